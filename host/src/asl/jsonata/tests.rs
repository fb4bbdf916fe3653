//! End-to-end tests of expressions, drawn from the JSONata documentation.
