//! The SHA-256 of `zoo compile`'s input, computed on its own thread while the compiled file is
//! written. The hash is recorded in the file's metadata (`zoo.reference.sha256`), which comes
//! last in the file, so it is not needed before the weights have streamed: on two cores hashing
//! the input overlaps the write instead of preceding it (three SHA-256 passes over the weights —
//! the input, the canonical weights, the output file — are most of `compile`'s time).
//!
//! The writer asks its weight source for provenance metadata after the tensors
//! ([`WeightSource::describe`]); that is where the thread is joined.

use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};
use zoo_graph::weights::{NoWeights, WeightSource};
use zoo_graph::write::hex;
use zoo_graph::{Param, WeightError};

/// The metadata key the hash is recorded under.
pub const KEY: &str = "zoo.reference.sha256";

pub struct InputHash {
    pending: Mutex<Option<JoinHandle<String>>>,
    done: OnceLock<Option<String>>,
}

impl InputHash {
    /// Starts hashing `bytes` (a cheap clone of the buffer the model is decoded from).
    pub fn start(bytes: prost::bytes::Bytes) -> InputHash {
        let handle = std::thread::spawn(move || hex(&Sha256::digest(&bytes)));
        InputHash { pending: Mutex::new(Some(handle)), done: OnceLock::new() }
    }

    /// The hex digest, waiting for the thread; `None` if it died (a bug: then nothing is
    /// written, see [`InputHash::accept`]).
    pub fn get(&self) -> Option<String> {
        self.done
            .get_or_init(|| {
                let handle = self.pending.lock().ok()?.take()?;
                handle.join().ok()
            })
            .clone()
    }

    /// The writer's last check before the file is renamed into place.
    pub fn accept(&self) -> Result<(), String> {
        match self.get() {
            Some(_) => Ok(()),
            None => Err("hashing the input file failed: nothing was written".into()),
        }
    }
}

/// A compiled graph's weight source: its tensors are all in the graph (no weights to fill),
/// and its provenance is the input's hash.
impl WeightSource for InputHash {
    fn describe(&self) -> Vec<(String, String)> {
        vec![(KEY.to_string(), self.get().unwrap_or_default())]
    }

    fn fill(&self, param: &Param, offset: usize, out: &mut [f32]) -> Result<(), WeightError> {
        NoWeights.fill(param, offset, out)
    }
}
