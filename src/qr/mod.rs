//! Rendering a card's text as a QR code.
