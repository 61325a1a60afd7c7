//! Reading QR codes from photos.
