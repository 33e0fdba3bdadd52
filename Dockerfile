FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY commands commands
COPY projections projections
COPY api api
COPY workers workers
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["ralph-es", "serve", "--host", "0.0.0.0", "--port", "8000"]
