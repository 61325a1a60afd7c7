//! Files only their owner may read: the data directory (0700), the database files and secrets
//! (0600). The CLI's key store and the service's data directory share these.

use std::io::Write as _;
use std::path::Path;

/// Creates `path` (and missing parents) as a directory only its owner may enter (0700). An
/// existing directory is left as it is: it may be one the operator chose and shares.
///
/// # Errors
/// When it cannot be created.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates a file readable by the owner only (0600) holding `bytes`, synced to disk; fails if
/// it exists.
///
/// # Errors
/// When it exists or cannot be written.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = open_private(path, true)?;
    file.write_all(bytes).and_then(|()| file.sync_all())
}

/// Copies `from` into a new file `to` (0600), synced to disk; fails if `to` exists.
///
/// # Errors
/// When `from` cannot be read or `to` exists or cannot be written.
pub fn copy_private(from: &Path, to: &Path) -> std::io::Result<u64> {
    let mut source = std::fs::File::open(from)?;
    let mut file = open_private(to, true)?;
    let copied = std::io::copy(&mut source, &mut file)?;
    file.sync_all()?;
    Ok(copied)
}

/// Opens `path` for writing, creating it with mode 0600 if it is missing (`new`: it must be
/// missing).
///
/// # Errors
/// When it cannot be opened (or exists, with `new`).
pub fn open_private(path: &Path, new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes an existing file readable by its owner only (0600); a missing file is no error.
///
/// # Errors
/// When its mode cannot be changed.
pub fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Whether others than the owner may read or enter `path` (group or other permission bits).
pub fn is_shared(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Syncs the directory holding `path`, so a file just created or renamed there survives a crash.
///
/// # Errors
/// When the directory cannot be opened or synced.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
