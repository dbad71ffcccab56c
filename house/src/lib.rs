//! Proofroom's house rules, checked from the source so that they stay kept. It reads the source
//! with a small lexer of its own and has no dependencies, so that it builds in seconds and needs
//! nothing outside the repository.

pub mod lex;
pub mod tree;
