//! Everything the service draws, end to end: QR images that decode back to their text, the
//! printable card in every script with its regional glyph forms, and the refusals for text a
//! card cannot show.

mod issuing;
mod lang;
mod printable;
mod qr_images;
mod refusals;
mod scripts;
mod support;
