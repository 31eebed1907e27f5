//! The Stage-2 output directory contract (seed 001 T3).
