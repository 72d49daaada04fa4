"""Remote workers: their tokens, and the API through which they take jobs and report them."""
