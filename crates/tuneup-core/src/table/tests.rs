//! Reading tables as users bring them, and what each column is taken for.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use super::infer::kinds;
use super::*;
use crate::spec::ColumnKind;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

fn none() -> BTreeMap<String, Forced> {
    BTreeMap::new()
}

fn strs(col: &RawCol) -> Vec<String> {
    (0..col.len()).map(|i| col.text(i)).collect()
}

#[test]
fn delimiters_quotes_bom_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    for (name, d) in [
        ("c.csv", ","),
        ("s.csv", ";"),
        ("t.tsv", "\t"),
        ("p.txt", "|"),
    ] {
        let text = format!(
            "\u{feff}id{d}note{d}n\n1{d}\"two\nlines, \"\"quoted\"\"\"{d}3\n2{d}plain{d}4\n"
        );
        let p = write(&dir, name, text.as_bytes());
        let t = read(&p, &none()).unwrap();
        assert_eq!(t.names, ["id", "note", "n"], "{name}");
        assert_eq!(
            strs(&t.cols[1]),
            ["two\nlines, \"quoted\"", "plain"],
            "{name}"
        );
        // The second row starts on line 4: the first one spans two lines.
        assert_eq!(t.lines, [2, 4], "{name}");
        assert!(matches!(t.cols[2], RawCol::Num(ref v, NumFormat::Plain) if v == &[3.0, 4.0]));
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"a,b\n1,x\n2,y\n").unwrap();
    let p = write(&dir, "t.csv.gz", &gz.finish().unwrap());
    let t = read(&p, &none()).unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(header(&p).unwrap(), ["a", "b"]);
}

#[test]
fn numbers_as_text_dates_and_missing_markers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "m.csv",
        b"amount,price,share,day,x\n\"1,234\",$5.00,12%,2024-01-31,NA\n\"2,000\",$1.50,3%,2024-02-29,\n-,N/A,?,null,7\n",
    );
    let t = read(&p, &none()).unwrap();
    let num = |c: &RawCol| match c {
        RawCol::Num(v, f) => (v.clone(), *f),
        other => panic!("not numbers: {other:?}"),
    };
    let (v, f) = num(&t.cols[0]);
    assert_eq!((v[0], v[1], f), (1234.0, 2000.0, NumFormat::Grouped));
    assert!(v[2].is_nan());
    assert_eq!(num(&t.cols[1]).0[..2], [5.0, 1.5]);
    assert_eq!(num(&t.cols[1]).1, NumFormat::Currency);
    // A percentage is read as the fraction it stands for.
    assert_eq!(num(&t.cols[2]).0[..2], [0.12, 0.03]);
    assert!(matches!(t.cols[3], RawCol::Date(..)));
    assert_eq!(strs(&t.cols[3])[..2], ["2024-01-31", "2024-02-29"]);
    assert!(t.cols[3].missing(2));
    assert!(t.cols[4].missing(0) && t.cols[4].missing(1) && !t.cols[4].missing(2));
}

#[test]
fn column_kinds_are_inferred() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Id,ref,age,grade,city,member,flag,constant,when,note,y\n");
    for i in 0..60 {
        csv += &format!(
            "{i},r{i},{},{},{},{},{},same,2024-03-{:02},\"{}\",{}\n",
            20 + i % 37,
            1 + i % 4,
            ["Paris", "Lyon", "Nice"][i % 3],
            ["yes", "no"][i % 2],
            i % 2,
            1 + i % 28,
            format!("a long free text remark number {i} written by a person"),
            i % 2
        );
    }
    let p = write(&dir, "k.csv", csv.as_bytes());
    let t = read(&p, &none()).unwrap();
    let got: Vec<(String, ColumnKind)> = kinds(&t, &BTreeMap::new(), Some("y"))
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.kind))
        .collect();
    use ColumnKind::*;
    let want = [
        ("Id", Id),
        ("ref", Id),
        ("age", Numeric),
        ("grade", Categorical),
        ("city", Categorical),
        ("member", Boolean),
        ("flag", Boolean),
        ("constant", Ignore),
        ("when", Date),
        ("note", Text),
    ];
    let want: Vec<(String, ColumnKind)> = want.iter().map(|(n, k)| (n.to_string(), *k)).collect();
    assert_eq!(got, want);
}

#[test]
fn a_declared_kind_is_read_so_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "d.csv", b"zip,age\n75001,30\n13002,x\n");
    // Integers read as text when declared categorical.
    let mut forced = none();
    forced.insert("zip".to_string(), Forced::Str);
    let t = read(&p, &forced).unwrap();
    assert!(matches!(t.cols[0], RawCol::Str(..)));
    // A column declared numeric whose values are not: the line and the value are named.
    forced.insert("age".to_string(), Forced::AnyNum);
    let e = read(&p, &forced).unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("`x`"), "{e}");
    assert_eq!(e.key.as_deref(), Some("data.columns.age"));
}

#[test]
fn parquet_columns_keep_their_types() {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.parquet");
    let schema = Arc::new(
        parse_message_type(
            "message t { optional double x; optional binary city (UTF8); required int32 label; }",
        )
        .unwrap(),
    );
    let mut w = SerializedFileWriter::new(
        std::fs::File::create(&p).unwrap(),
        schema,
        Default::default(),
    )
    .unwrap();
    let mut rg = w.next_row_group().unwrap();
    let mut c = rg.next_column().unwrap().unwrap();
    c.typed::<DoubleType>()
        .write_batch(&[1.5, 2.5], Some(&[1, 0, 1]), None)
        .unwrap();
    c.close().unwrap();
    let mut c = rg.next_column().unwrap().unwrap();
    let cities: Vec<ByteArray> = ["Paris", "Lyon", "Paris"]
        .iter()
        .map(|s| ByteArray::from(*s))
        .collect();
    c.typed::<ByteArrayType>()
        .write_batch(&cities, Some(&[1, 1, 1]), None)
        .unwrap();
    c.close().unwrap();
    let mut c = rg.next_column().unwrap().unwrap();
    c.typed::<Int32Type>()
        .write_batch(&[0, 1, 0], None, None)
        .unwrap();
    c.close().unwrap();
    rg.close().unwrap();
    w.close().unwrap();
    assert!(is_parquet(&p));
    assert_eq!(header(&p).unwrap(), ["x", "city", "label"]);
    let mut forced = none();
    forced.insert("label".to_string(), Forced::Str);
    let t = read(&p, &forced).unwrap();
    assert!(matches!(&t.cols[0], RawCol::Num(v, _) if v[0] == 1.5 && v[1].is_nan() && v[2] == 2.5));
    assert_eq!(strs(&t.cols[1]), ["Paris", "Lyon", "Paris"]);
    assert_eq!(strs(&t.cols[2]), ["0", "1", "0"]);
    // Not Parquet after all: an error naming the file.
    let bad = write(&dir, "bad.parquet", b"PAR1 nothing of the kind PAR1");
    let e = read(&bad, &none()).unwrap_err();
    assert!(e.message.contains("not a readable Parquet file"), "{e}");
}
