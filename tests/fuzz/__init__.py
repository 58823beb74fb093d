"""Hypothesis fuzzing of bad input: WebSocket frames, REST reply bodies, ticket fields."""
