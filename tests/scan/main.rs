//! The photo decoder: binarisation against rxing's, the shared photo corpus, synthetic phone
//! photos, printed cards (upright, inverted, mirrored, several on a table, and a hard set against
//! zxing-cpp) and refusals. One binary, so its tests share the cores instead of running file
//! after file. (The panic-hook test stays in its own binary: the hook is process-wide.)

mod binarize;
mod corpus;
mod detector;
mod hard_photos;
mod inverted_and_mirrored;
mod photos;
mod printable_cards;
mod refusals;
mod several_cards;
mod support;
