//! The photo decoder: binarisation against rxing's, the shared photo corpus, synthetic phone
//! photos, printed cards and refusals. One binary, so its tests share the cores instead of
//! running file after file. (The panic-hook test stays in its own binary: the hook is
//! process-wide.)

mod binarize;
mod corpus;
mod photos;
mod printable_cards;
mod refusals;
