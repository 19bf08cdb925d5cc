//! Where tensors live: `--device cpu|cuda[:N]|metal[:N]`, and a clear error when the build lacks it.

use candle_core::Device;

/// A device as the user names it on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceChoice {
    /// The CPU (always available).
    Cpu,
    /// An NVIDIA GPU by ordinal (needs `--features cuda`).
    Cuda(usize),
    /// An Apple GPU by ordinal (needs `--features metal`).
    Metal(usize),
}

/// A device that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// Not `cpu`, `cuda[:N]` or `metal[:N]`.
    #[error("unknown device {0:?}: use cpu, cuda, cuda:N, metal or metal:N")]
    Unknown(String),
    /// The binary was built without the back-end.
    #[error(
        "this build of unmask has no {backend} support: rebuild with `cargo build --release --features {backend}`"
    )]
    NotBuilt {
        /// `cuda` or `metal`.
        backend: &'static str,
    },
    /// The back-end is built in but the device could not be opened.
    #[error("cannot open {name}: {reason}")]
    Open {
        /// What was asked for.
        name: String,
        /// candle's reason.
        reason: String,
    },
}

impl DeviceChoice {
    /// Parse `cpu`, `cuda`, `cuda:1`, `metal`, `metal:0`.
    pub fn parse(text: &str) -> Result<Self, DeviceError> {
        let lower = text.trim().to_ascii_lowercase();
        let (kind, ordinal) = match lower.split_once(':') {
            Some((k, n)) => {
                let n = n
                    .parse::<usize>()
                    .map_err(|_| DeviceError::Unknown(text.to_string()))?;
                (k.to_string(), n)
            }
            None => (lower.clone(), 0),
        };
        match kind.as_str() {
            "cpu" if !lower.contains(':') => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(ordinal)),
            "metal" => Ok(Self::Metal(ordinal)),
            _ => Err(DeviceError::Unknown(text.to_string())),
        }
    }

    /// The name as the user would type it.
    pub fn name(&self) -> String {
        match self {
            Self::Cpu => "cpu".into(),
            Self::Cuda(n) => format!("cuda:{n}"),
            Self::Metal(n) => format!("metal:{n}"),
        }
    }

    /// Open the candle device.
    pub fn open(&self) -> Result<Device, DeviceError> {
        let open_err = |e: candle_core::Error| DeviceError::Open {
            name: self.name(),
            reason: e.to_string(),
        };
        match *self {
            Self::Cpu => Ok(Device::Cpu),
            Self::Cuda(n) => {
                if candle_core::utils::cuda_is_available() {
                    Device::new_cuda(n).map_err(open_err)
                } else {
                    Err(DeviceError::NotBuilt { backend: "cuda" })
                }
            }
            Self::Metal(n) => {
                if candle_core::utils::metal_is_available() {
                    Device::new_metal(n).map_err(open_err)
                } else {
                    Err(DeviceError::NotBuilt { backend: "metal" })
                }
            }
        }
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_names() {
        assert_eq!(DeviceChoice::parse("cpu").unwrap(), DeviceChoice::Cpu);
        assert_eq!(DeviceChoice::parse("CUDA").unwrap(), DeviceChoice::Cuda(0));
        assert_eq!(
            DeviceChoice::parse("cuda:1").unwrap(),
            DeviceChoice::Cuda(1)
        );
        assert_eq!(
            DeviceChoice::parse("metal:0").unwrap(),
            DeviceChoice::Metal(0)
        );
        assert!(DeviceChoice::parse("tpu").is_err());
        assert!(DeviceChoice::parse("cuda:x").is_err());
        assert!(DeviceChoice::parse("cpu:1").is_err());
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn cuda_without_the_feature_says_how_to_rebuild() {
        let err = DeviceChoice::Cuda(0).open().unwrap_err().to_string();
        assert!(err.contains("--features cuda"), "{err}");
    }

    #[test]
    fn cpu_always_opens() {
        assert!(DeviceChoice::Cpu.open().unwrap().is_cpu());
    }
}
