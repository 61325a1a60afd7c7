//! The signed namecard credential.
