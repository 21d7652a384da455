//! The `[augment]` table: which augmentations a run trains with, and their strengths.

use serde::{Deserialize, Serialize};

/// Data augmentation, all off by default. Per-sample transforms run on each training sample as
/// its batch is built (seeded by the run's seed, the epoch and the batch); `mixup` / `cutmix`
/// mix whole batches. Validation, test and prediction data are never augmented.
///
/// Which keys apply depends on the samples: images (`[channels, height, width]`, e.g. MNIST, an
/// image folder, or a CSV of pixels with `data.shape`) or vectors (1-D signals such as MNIST-1D,
/// or tabular rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AugmentSpec {
    /// Images and signals: a random translation of up to this many pixels / steps each way,
    /// filling with zeros (torchvision's `RandomCrop(size, padding=shift)`).
    #[serde(default)]
    pub shift: usize,
    /// Gaussian noise with this standard deviation, in standardised units (any data).
    #[serde(default)]
    pub noise: f64,
    /// Images: probability of a horizontal flip. Off unless asked: flipping digits or text
    /// changes their meaning.
    #[serde(default)]
    pub hflip: f64,
    /// Images: probability of a vertical flip.
    #[serde(default)]
    pub vflip: f64,
    /// Images: a random rotation of up to this many degrees each way.
    #[serde(default)]
    pub rotate: f64,
    /// Images: a random zoom by a factor in [1 - scale, 1 + scale].
    #[serde(default)]
    pub scale: f64,
    /// Images: random resized crop (Szegedy et al. 2015; timm's `RandomResizedCrop`): a crop of
    /// at least this share of the image's area, aspect ratio in [3/4, 4/3], resized back to the
    /// image's size. 0 is off; 0.35 is timm's lower bound for small images, 0.08 ImageNet's.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub resized_crop: f64,
    /// Images: a random shear of up to this many degrees each way (along x).
    #[serde(default)]
    pub shear: f64,
    /// Images: probability of random erasing (cutout; Zhong et al. 2017): a rectangle is set to
    /// the mean.
    #[serde(default)]
    pub erase: f64,
    /// Images: the erased rectangle's share of the image, drawn from [min, max].
    #[serde(default = "default_erase_area")]
    pub erase_area: [f64; 2],
    /// Images: brightness multiplied by a factor in [1 - b, 1 + b].
    #[serde(default)]
    pub brightness: f64,
    /// Images: contrast (distance from the image's mean) multiplied by a factor in [1 - c, 1 + c].
    #[serde(default)]
    pub contrast: f64,
    /// Signals: a circular shift (roll) of up to this many steps each way.
    #[serde(default)]
    pub roll: usize,
    /// Signals: the amplitude multiplied by a factor in [1 - a, 1 + a].
    #[serde(default)]
    pub amplitude: f64,
    /// Signals: a smooth random time warp; the local speed varies by up to this fraction.
    #[serde(default)]
    pub time_warp: f64,
    /// Batches: mixup (Zhang et al. 2018) with mixing weights from Beta(alpha, alpha); 0 is off.
    #[serde(default)]
    pub mixup: f64,
    /// Batches: cutmix (Yun et al. 2019) with Beta(alpha, alpha); images paste a rectangle,
    /// vectors a segment. With mixup too, each mixed batch uses one of them, half and half.
    #[serde(default)]
    pub cutmix: f64,
    /// Batches: the probability that a batch is mixed (when mixup or cutmix is on).
    #[serde(default = "default_one")]
    pub mix_prob: f64,
    /// Batches: no mixing in the last this many epochs, so the model ends on clean samples.
    #[serde(default)]
    pub mix_off_epochs: usize,
    /// Text: each token replaced by the unknown token with this probability (token dropout).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub token_dropout: f64,
    /// Text: each token deleted with this probability (Wei and Zou 2019's random deletion).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub token_delete: f64,
    /// Text: this share of the tokens swapped with another of the text (random swap).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub token_swap: f64,
    /// Text: this share of the tokens inserted again at a random place (random insertion of a
    /// token of the same text; EDA inserts synonyms, which needs a thesaurus).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub token_insert: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn default_erase_area() -> [f64; 2] {
    [0.02, 0.2]
}
fn default_one() -> f64 {
    1.0
}

impl Default for AugmentSpec {
    fn default() -> Self {
        AugmentSpec {
            shift: 0,
            noise: 0.0,
            hflip: 0.0,
            vflip: 0.0,
            rotate: 0.0,
            scale: 0.0,
            resized_crop: 0.0,
            shear: 0.0,
            erase: 0.0,
            erase_area: default_erase_area(),
            brightness: 0.0,
            contrast: 0.0,
            roll: 0,
            amplitude: 0.0,
            time_warp: 0.0,
            mixup: 0.0,
            cutmix: 0.0,
            mix_prob: 1.0,
            mix_off_epochs: 0,
            token_dropout: 0.0,
            token_delete: 0.0,
            token_swap: 0.0,
            token_insert: 0.0,
        }
    }
}

/// What kind of samples a key applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Any,
    Images,
    Signals,
    ImagesAndSignals,
    Text,
}

impl AugmentSpec {
    /// Every key that is switched on, with what it applies to.
    pub fn active(&self) -> Vec<(&'static str, Applies)> {
        use Applies::*;
        let mut v = Vec::new();
        let mut on = |k: &'static str, set: bool, a: Applies| {
            if set {
                v.push((k, a));
            }
        };
        on("shift", self.shift > 0, ImagesAndSignals);
        on("noise", self.noise > 0.0, Any);
        on("hflip", self.hflip > 0.0, Images);
        on("vflip", self.vflip > 0.0, Images);
        on("rotate", self.rotate > 0.0, Images);
        on("scale", self.scale > 0.0, Images);
        on("shear", self.shear > 0.0, Images);
        on("resized_crop", self.resized_crop > 0.0, Images);
        on("erase", self.erase > 0.0, Images);
        on("brightness", self.brightness > 0.0, Images);
        on("contrast", self.contrast > 0.0, Images);
        on("roll", self.roll > 0, Signals);
        on("amplitude", self.amplitude > 0.0, Signals);
        on("time_warp", self.time_warp > 0.0, Signals);
        on("mixup", self.mixup > 0.0, Any);
        on("cutmix", self.cutmix > 0.0, Any);
        on("token_dropout", self.token_dropout > 0.0, Text);
        on("token_delete", self.token_delete > 0.0, Text);
        on("token_swap", self.token_swap > 0.0, Text);
        on("token_insert", self.token_insert > 0.0, Text);
        v
    }

    /// The token operations (text data).
    pub fn token_ops(&self) -> crate::text::augment::TokenOps {
        crate::text::augment::TokenOps {
            dropout: self.token_dropout,
            delete: self.token_delete,
            swap: self.token_swap,
            insert: self.token_insert,
        }
    }

    /// True when anything is switched on.
    /// One line on what augmentation is on (`None` when none is): each key and its value.
    pub fn summary(&self) -> Option<String> {
        let json = serde_json::to_value(self).unwrap_or_default();
        let mut parts: Vec<String> = self
            .active()
            .iter()
            .map(|(k, _)| format!("{k} {}", json.get(*k).cloned().unwrap_or_default()))
            .collect();
        if self.mixes() && self.mix_prob < 1.0 {
            parts.push(format!("mix_prob {}", self.mix_prob));
        }
        if self.mixes() && self.mix_off_epochs > 0 {
            parts.push(format!(
                "no mixing in the last {} epochs",
                self.mix_off_epochs
            ));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    pub fn is_on(&self) -> bool {
        !self.active().is_empty()
    }

    /// True when batches are mixed (mixup or cutmix).
    pub fn mixes(&self) -> bool {
        (self.mixup > 0.0 || self.cutmix > 0.0) && self.mix_prob > 0.0
    }

    /// Range checks, as `(key, message)` with the key under `augment.`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((format!("augment.{k}"), m));
        for (k, v) in [
            ("hflip", self.hflip),
            ("vflip", self.vflip),
            ("erase", self.erase),
            ("mix_prob", self.mix_prob),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return err(k, format!("expected a probability in [0, 1], found {v}"));
            }
        }
        for (k, v) in [
            ("scale", self.scale),
            ("resized_crop", self.resized_crop),
            ("brightness", self.brightness),
            ("contrast", self.contrast),
            ("amplitude", self.amplitude),
        ] {
            if !(0.0..1.0).contains(&v) {
                return err(k, format!("expected a fraction in [0, 1), found {v}"));
            }
        }
        for (k, v) in [
            ("token_dropout", self.token_dropout),
            ("token_delete", self.token_delete),
            ("token_swap", self.token_swap),
            ("token_insert", self.token_insert),
        ] {
            if !(0.0..=0.5).contains(&v) {
                return err(
                    k,
                    format!("expected a share of the tokens in [0, 0.5], found {v}"),
                );
            }
        }
        if !(0.0..=180.0).contains(&self.rotate) {
            return err(
                "rotate",
                format!("expected degrees in [0, 180], found {}", self.rotate),
            );
        }
        if !(0.0..45.0).contains(&self.shear) {
            return err(
                "shear",
                format!("expected degrees in [0, 45), found {}", self.shear),
            );
        }
        if !(0.0..=0.5).contains(&self.time_warp) {
            return err(
                "time_warp",
                format!("expected a fraction in [0, 0.5], found {}", self.time_warp),
            );
        }
        for (k, v) in [
            ("noise", self.noise),
            ("mixup", self.mixup),
            ("cutmix", self.cutmix),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return err(k, format!("expected a value >= 0, found {v}"));
            }
        }
        let [lo, hi] = self.erase_area;
        if !(lo > 0.0 && lo <= hi && hi < 1.0) {
            return err(
                "erase_area",
                format!("expected [min, max] with 0 < min <= max < 1, found [{lo}, {hi}]"),
            );
        }
        Ok(())
    }

    /// Checks the keys against the data: its samples' shape, and a table takes only `noise`
    /// (on its numbers), `mixup` and `cutmix`.
    pub fn check_data(&self, info: &crate::data::DataInfo) -> Result<(), (String, String)> {
        let text = info.inputs().text.is_some();
        if let Some((k, _)) = self.active().into_iter().find(|(_, a)| {
            (*a == Applies::Text) != text && (*a == Applies::Text || *a != Applies::Any)
        }) {
            return Err((
                format!("augment.{k}"),
                if text {
                    format!(
                        "`{k}` does not apply to text: use token_dropout, token_delete, token_swap or token_insert (noise on the other numbers)"
                    )
                } else {
                    format!("`{k}` applies to text, and this model reads no text")
                },
            ));
        }
        if text {
            if let Some(k) = ["mixup", "cutmix"]
                .into_iter()
                .find(|k| self.active().iter().any(|(a, _)| a == k))
            {
                return Err((
                    format!("augment.{k}"),
                    format!(
                        "`{k}` mixes inputs, and token ids do not mix: use the token augmentations"
                    ),
                ));
            }
            return Ok(());
        }
        if info.tabular.is_some() {
            if let Some((k, _)) = self
                .active()
                .into_iter()
                .find(|(k, _)| !matches!(*k, "noise" | "mixup" | "cutmix"))
            {
                return Err((
                    format!("augment.{k}"),
                    format!("`{k}` does not apply to a table's rows: use noise, mixup or cutmix"),
                ));
            }
        }
        self.check_shape(&info.sample_shape)
    }

    /// Checks the keys against the samples' shape (`[c, h, w]` images or `[n]` vectors).
    pub fn check_shape(&self, sample_shape: &[usize]) -> Result<(), (String, String)> {
        let image = sample_shape.len() == 3;
        if sample_shape.len() == 2 && sample_shape[0] > 1 {
            if let Some((k, _)) = self
                .active()
                .into_iter()
                .find(|(k, _)| *k != "noise" && *k != "mixup")
            {
                return Err((
                    format!("augment.{k}"),
                    format!(
                        "signal augmentation works on one channel; this data has {} channels",
                        sample_shape[0]
                    ),
                ));
            }
        }
        for (k, applies) in self.active() {
            let ok = match applies {
                Applies::Text => false,
                Applies::Any | Applies::ImagesAndSignals => true,
                Applies::Images => image,
                Applies::Signals => !image,
            };
            if !ok {
                let msg = if applies == Applies::Text {
                    format!("`{k}` applies to text, and this data has none")
                } else if image {
                    format!("`{k}` applies to 1-D signals; this data is images {sample_shape:?}")
                } else {
                    format!(
                        "`{k}` applies to images; this data has {} features per sample (for a CSV of pixels, set data.shape, e.g. [1, 8, 8])",
                        sample_shape.iter().product::<usize>()
                    )
                };
                return Err((format!("augment.{k}"), msg));
            }
        }
        if image {
            let (h, w) = (sample_shape[1], sample_shape[2]);
            if self.shift >= h.min(w) {
                return Err((
                    "augment.shift".into(),
                    format!("a shift of {} does not fit {h}x{w} images", self.shift),
                ));
            }
        } else if let Some(&n) = sample_shape.last() {
            for (k, v) in [("shift", self.shift), ("roll", self.roll)] {
                if v >= n && v > 0 {
                    return Err((
                        format!("augment.{k}"),
                        format!("{v} steps do not fit signals of length {n}"),
                    ));
                }
            }
        }
        Ok(())
    }
}
