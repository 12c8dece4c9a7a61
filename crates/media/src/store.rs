//! Where uploaded images are kept. Keys are content hashes, so a file is written once and
//! never changes: any node can serve any key, and browsers may cache it forever.

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum MediaStoreError {
    #[error("media store: {0}")]
    Store(#[from] object_store::Error),
    #[error("media store location {0:?}: {1}")]
    Location(String, String),
    #[error("media folder: {0}")]
    Folder(#[from] std::io::Error),
}

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    prefix: Path,
    /// Shown in logs and `canyu doctor`-style output; never holds credentials.
    pub description: String,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaStore").field("at", &self.description).finish()
    }
}

impl MediaStore {
    /// Files under `dir` (the data folder's `media/` by default). Writes go to a temporary file
    /// renamed into place, so a crash never leaves half an image under its final name.
    pub fn local(dir: &std::path::Path) -> Result<Self, MediaStoreError> {
        std::fs::create_dir_all(dir)?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self { inner: Arc::new(fs), prefix: Path::default(), description: dir.display().to_string() })
    }

    /// Kept in memory: tests.
    pub fn memory() -> Self {
        Self {
            inner: Arc::new(object_store::memory::InMemory::new()),
            prefix: Path::default(),
            description: "memory".into(),
        }
    }

    /// `s3://bucket/prefix` for an S3-compatible store (AWS, MinIO, and the S3 APIs of Chinese
    /// clouds), configured by the usual `AWS_*` environment variables (`AWS_ENDPOINT`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`);
    /// `file:///path` for a folder; `memory:` for tests.
    pub fn from_url(location: &str) -> Result<Self, MediaStoreError> {
        let bad = |why: &str| MediaStoreError::Location(location.to_string(), why.to_string());
        if location == "memory:" || location == "memory://" {
            return Ok(Self::memory());
        }
        let url = url::Url::parse(location).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "file" => {
                let dir = url.to_file_path().map_err(|()| bad("not a local path"))?;
                Self::local(&dir)
            }
            "s3" => {
                let bucket = url.host_str().ok_or_else(|| bad("no bucket"))?;
                let s3 = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
                let prefix = Path::from(url.path().trim_matches('/'));
                Ok(Self { inner: Arc::new(s3), prefix, description: format!("s3://{bucket}{}", url.path()) })
            }
            other => Err(bad(&format!("unknown scheme {other:?} (use s3://, file:// or memory:)"))),
        }
    }

    fn path(&self, key: &str) -> Path {
        self.prefix.child(key)
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), MediaStoreError> {
        self.inner.put(&self.path(key), PutPayload::from(Bytes::from(bytes))).await?;
        Ok(())
    }

    /// The file, or `None` if there is none under that key.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, MediaStoreError> {
        match self.inner.get(&self.path(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the file; removing one that is not there is no error.
    pub async fn delete(&self, key: &str) -> Result<(), MediaStoreError> {
        match self.inner.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_folder_keeps_files_by_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            MediaStore::from_url(&format!("file://{}", dir.path().join("media").display())).expect("store");
        assert!(store.get("a.jpg").await.expect("get").is_none());
        store.put("a.jpg", b"jpeg".to_vec()).await.expect("put");
        assert_eq!(store.get("a.jpg").await.expect("get").as_deref(), Some(&b"jpeg"[..]));
        assert!(dir.path().join("media/a.jpg").exists());
        store.delete("a.jpg").await.expect("delete");
        store.delete("a.jpg").await.expect("deleting twice");
        assert!(store.get("a.jpg").await.expect("get").is_none());
    }

    #[test]
    fn unknown_locations_are_refused() {
        assert!(MediaStore::from_url("ftp://x/y").is_err());
        assert!(MediaStore::from_url("not a url").is_err());
        assert!(MediaStore::from_url("memory:").is_ok());
    }
}
