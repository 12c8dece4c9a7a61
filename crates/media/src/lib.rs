//! Images on posts and comments: [`process`] turns an upload into what is safe to serve, and
//! [`MediaStore`] keeps the files (the data folder by default, an S3-compatible bucket when
//! several nodes serve one site).

mod process;
mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use process::{ProcessedImage, process};
pub use store::{MediaStore, MediaStoreError};
