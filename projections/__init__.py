"""The read side: read tables, the projector and the queries over them."""
