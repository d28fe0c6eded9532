//! Report downloads: a success body streamed into a file instead of memory, and the JSON summary
//! (`{"path", "size"}`) the call answers with.

use super::transport::TransportError;
use crate::error::{Error, Result};
use crate::response::Response;
use bytes::Bytes;

/// Why a download stopped.
pub(crate) enum DownloadError {
    /// Writing the file failed: final.
    Disk(Error),
    /// The body broke off: the call may be retried.
    Transport(TransportError),
}

/// Write a response body to `target` chunk by chunk, through a `.part` sibling renamed at the end
/// so a broken download never leaves a partial file.
pub(crate) async fn stream_to_file(
    mut resp: reqwest::Response,
    target: &str,
) -> std::result::Result<(), DownloadError> {
    use tokio::io::AsyncWriteExt;
    let io = |source| {
        DownloadError::Disk(Error::Io {
            path: target.to_owned(),
            source,
        })
    };
    let tmp = format!("{target}.part");
    let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => file.write_all(&chunk).await.map_err(io)?,
            Ok(None) => break,
            Err(e) => {
                drop(file);
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(DownloadError::Transport(e.into()));
            }
        }
    }
    file.flush().await.map_err(io)?;
    drop(file);
    tokio::fs::rename(&tmp, target).await.map_err(io)
}

/// The answer to a download streamed into `target`: `{"path", "size"}` as a JSON body.
pub(crate) async fn summary(resp: Response, target: &str) -> Result<Response> {
    let size = tokio::fs::metadata(target)
        .await
        .map_err(|source| Error::Io {
            path: target.to_owned(),
            source,
        })?
        .len();
    let summary = serde_json::json!({ "path": target, "size": size });
    Ok(Response {
        meta: resp.meta,
        body: Bytes::from(summary.to_string()),
    })
}
