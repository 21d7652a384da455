//! Data: loading (tables in [`tabular`], MNIST IDX, image folders) in [`source`], seeded stratified splits and
//! encoding in [`prepare`], normalisation with statistics from the training split only in
//! [`encoded`].

pub mod csv;
mod dataset;
mod encoded;
pub mod idx;
pub mod images;
mod prepare;
mod source;
mod tabular;
pub mod text_folder;

pub use dataset::{Dataset, TableRows, Targets};
pub use encoded::{DataInfo, Normalizer, Part, Prepared, Y, encode, sort_classes};
pub use images::ImageOptions;
pub use prepare::{
    DEFAULT_RARE_COUNT, check_targets, prepare, prepare_fold, prepare_with, same_encoding,
};
pub use source::{ReadOptions, Source, detect_format, load, load_like, load_source, reshape};
pub use tabular::Planned;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::rng::Rng;

    fn labelled(labels: &[&str]) -> Dataset {
        Dataset {
            source: PathBuf::from("t"),
            sample_shape: vec![1],
            feature_names: vec!["f".into()],
            target_name: Some("y".into()),
            x: (0..labels.len()).map(|i| i as f32).collect(),
            targets: Targets::Labels(labels.iter().map(|s| s.to_string()).collect()),
            ids: (0..labels.len()).map(|i| i.to_string()).collect(),
            id_name: None,
            table: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn stratified_prefix_keeps_proportions_and_is_seeded() {
        let mut labels = vec!["a"; 80];
        labels.extend(vec!["b"; 20]);
        let d = labelled(&labels);
        let o1 = d.stratified_order(&mut Rng::new(5));
        let o2 = d.stratified_order(&mut Rng::new(5));
        let o3 = d.stratified_order(&mut Rng::new(6));
        assert_eq!(o1, o2);
        assert_ne!(o1, o3);
        let b_in_first_20 = o1[..20].iter().filter(|&&i| i >= 80).count();
        assert_eq!(b_in_first_20, 4);
    }

    #[test]
    fn normalizer_uses_given_statistics() {
        let x = vec![1.0, 10.0, 3.0, 30.0];
        let n = Normalizer::fit(&x, &[2]);
        assert_eq!(n.mean, vec![2.0, 20.0]);
        let mut y = x.clone();
        n.apply(&mut y);
        assert!((y[0] + 1.0).abs() < 1e-6 && (y[3] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn classes_sort_numerically() {
        let mut c = vec!["10".to_string(), "2".into(), "1".into()];
        sort_classes(&mut c);
        assert_eq!(c, vec!["1", "2", "10"]);
    }
}
