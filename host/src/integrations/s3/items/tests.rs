use serde_json::json;

use super::*;

fn items(format: &Format, text: &str, max: Option<usize>) -> Result<Vec<Value>, Failure> {
    let mut sink = Sink::new(max);
    read(format, text, &mut sink)?;
    Ok(sink.into_items())
}

fn csv(headers: Option<&[&str]>, delimiter: u8) -> Format {
    Format::Csv {
        headers: headers.map(|h| h.iter().map(|s| s.to_string()).collect()),
        delimiter,
    }
}

#[test]
fn json_arrays_give_their_elements_and_anything_else_is_refused() {
    let got = items(&Format::Json, r#"[{"a":1}, 2, "three"]"#, None).unwrap();
    assert_eq!(got, vec![json!({"a": 1}), json!(2), json!("three")]);
    assert_eq!(items(&Format::Json, "[1,2,3]", Some(2)).unwrap().len(), 2);
    let e = items(&Format::Json, r#"{"a":1}"#, None).unwrap_err();
    assert_eq!(e.error.as_deref(), Some(names::ITEM_READER_FAILED));
    assert!(e.cause.unwrap().contains("an object"));
    let e = items(&Format::Json, "[1,", None).unwrap_err();
    assert!(e.cause.unwrap().contains("not valid JSON"));
}

#[test]
fn json_lines_skip_blank_lines_and_name_a_bad_one() {
    let got = items(&Format::JsonLines, "{\"n\":1}\n\n[2]\n\"x\"\n", None).unwrap();
    assert_eq!(got, vec![json!({"n": 1}), json!([2]), json!("x")]);
    assert_eq!(
        items(&Format::JsonLines, "1\n2\n3\n", Some(2)).unwrap(),
        vec![json!(1), json!(2)]
    );
    // The reading stops at MaxItems: a bad line after it is never read.
    assert_eq!(items(&Format::JsonLines, "1\n{", Some(1)).unwrap().len(), 1);
    let e = items(&Format::JsonLines, "1\n{\n", None).unwrap_err();
    assert!(e.cause.unwrap().contains("Line 2"), "names the line");
}

#[test]
fn csv_rows_become_objects_of_text_under_their_headers() {
    let text = "Col1,Col2,Col3\nValue1,Value2,Value3\nValue4,Value5,Value6\n";
    assert_eq!(
        items(&csv(None, b','), text, None).unwrap(),
        vec![
            json!({"Col1": "Value1", "Col2": "Value2", "Col3": "Value3"}),
            json!({"Col1": "Value4", "Col2": "Value5", "Col3": "Value6"}),
        ]
    );
    // GIVEN headers: the first row is an item too; a short row leaves its last columns empty.
    assert_eq!(
        items(&csv(Some(&["a", "b"]), b'|'), "1|2\n3\n", None).unwrap(),
        vec![json!({"a": "1", "b": "2"}), json!({"a": "3", "b": ""})]
    );
    // Quoted fields keep their delimiters and newlines; numbers stay text.
    assert_eq!(
        items(&csv(None, b';'), "x;y\n\"a;b\";\"c\nd\"\n", None).unwrap(),
        vec![json!({"x": "a;b", "y": "c\nd"})]
    );
    assert_eq!(
        items(&csv(None, b'\t'), "k\tv\n1\t2\n3\t4\n", Some(1)).unwrap(),
        vec![json!({"k": "1", "v": "2"})]
    );
    let e = items(&csv(None, b','), "a,a\n1,2\n", None).unwrap_err();
    assert_eq!(
        e.cause.as_deref(),
        Some("CSV headers cannot contain duplicates.")
    );
    assert!(items(&csv(None, b','), "", None).unwrap().is_empty());
}

#[test]
fn the_format_comes_from_the_reader_config() {
    assert_eq!(
        Format::of(&json!({"InputType": "JSON"})).unwrap(),
        Format::Json
    );
    assert_eq!(
        Format::of(&json!({"InputType": "CSV", "CSVHeaderLocation": "GIVEN",
                           "CSVHeaders": ["a"], "CSVDelimiter": "SEMICOLON"}))
        .unwrap(),
        csv(Some(&["a"]), b';')
    );
    assert_eq!(
        Format::of(&json!({"InputType": "CSV"})).unwrap(),
        csv(None, b',')
    );
    let e = Format::of(&json!({"InputType": "PARQUET"})).unwrap_err();
    assert!(e.cause.unwrap().contains("Parquet"));
    assert!(Format::of(&json!({})).is_err());
}

#[test]
fn an_inventory_manifest_lists_its_csv_files_with_their_columns() {
    let manifest = json!({
        "sourceBucket": "source",
        "destinationBucket": "arn:aws:s3:::inventory",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{"key": "inv/data/1.csv.gz", "size": 10}, {"key": "inv/data/2.csv"}]
    });
    let Inventory { files, columns } = manifest_files(&manifest.to_string()).unwrap();
    assert_eq!(
        files,
        vec![
            ("inventory".to_owned(), "inv/data/1.csv.gz".to_owned()),
            ("inventory".to_owned(), "inv/data/2.csv".to_owned())
        ]
    );
    assert_eq!(columns, ["Bucket", "Key", "Size"]);
    let format = inventory_format(&columns);
    assert!(is_gzip("inv/data/1.csv.gz") && !is_gzip("inv/data/2.csv"));
    assert_eq!(
        items(
            &format,
            "\"source\",\"a.txt\",\"3\"\nsource,b.txt,4\n",
            None
        )
        .unwrap(),
        vec![
            json!({"Bucket": "source", "Key": "a.txt", "Size": "3"}),
            json!({"Bucket": "source", "Key": "b.txt", "Size": "4"}),
        ]
    );
    let parquet = json!({"fileFormat": "Parquet", "fileSchema": "x", "files": []});
    assert!(manifest_files(&parquet.to_string()).is_err());
}

#[test]
fn a_listed_object_is_shaped_as_aws_hands_it_to_the_map() {
    let listed = json!({"Key": "a/b.jpg", "LastModified": "2022-11-17T15:44:41Z",
                        "ETag": "\"05704fbd\"", "Size": 34910, "StorageClass": "STANDARD"});
    assert_eq!(
        listed_object(&listed),
        json!({"Etag": "\"05704fbd\"", "Key": "a/b.jpg", "LastModified": 1668699881,
               "Size": 34910, "StorageClass": "STANDARD"})
    );
}

/// Reads `text` as a page reader does: `chunk` bytes at a time, each read ending with the
/// whole records it holds, the rest read again with the next bytes. Every item once, in order.
fn chunked(format: &Format, text: &str, chunk: usize) -> Result<Vec<Value>, Failure> {
    let bytes = text.as_bytes();
    let mut pos = Position::default();
    let mut all = Vec::new();
    let mut buffer: Vec<u8> = Vec::new();
    let mut fetched = 0;
    loop {
        let end = (fetched + chunk).min(bytes.len());
        buffer.extend_from_slice(&bytes[fetched..end]);
        fetched = end;
        let last = fetched == bytes.len();
        let before = pos.offset;
        // Each page starts from its cursor: what the position says, nothing else.
        let resumed: Position =
            serde_json::from_value(serde_json::to_value(&pos).unwrap()).unwrap();
        pos = resumed;
        let mut sink = Sink::new(None);
        let ended = read_records(format, &buffer, last, &mut pos, &mut sink)?;
        all.extend(sink.into_items());
        if ended {
            return Ok(all);
        }
        buffer.drain(..(pos.offset - before) as usize);
        assert!(
            !last || buffer.is_empty(),
            "the end of the object was read whole"
        );
        if last {
            return Ok(all);
        }
    }
}

#[test]
fn an_object_read_in_chunks_gives_the_same_items_as_read_whole_wherever_it_is_cut() {
    let cases = [
        (
            Format::Json,
            r#" [ {"a": [1, 2, {"b": "x,]"}]}, 12345, "s\"t", true, null, -0.5e3 ] "#,
        ),
        (Format::Json, "[]"),
        (Format::JsonLines, "{\"n\":1}\r\n\n[2, 3]\n12345\n\"x\""),
        (csv(None, b','), "a,b\n1,\"q,\nr\"\n22,33\n\n4,5"),
        (csv(Some(&["k"]), b'|'), "1\n22\n333\n"),
    ];
    for (format, text) in cases {
        let whole = items(&format, text, None).unwrap();
        assert!(!whole.is_empty() || text == "[]", "{text}");
        for chunk in 1..=text.len() {
            assert_eq!(
                chunked(&format, text, chunk).unwrap(),
                whole,
                "{format:?} in chunks of {chunk}"
            );
        }
    }
    // What is wrong is found wherever the object is cut.
    for chunk in [1, 3, 100] {
        assert!(chunked(&Format::Json, "[1, 2", chunk).is_err());
        assert!(chunked(&Format::Json, "[1,]", chunk).is_err());
        assert!(chunked(&Format::Json, "{\"a\": 1}", chunk).is_err());
        let e = chunked(&Format::JsonLines, "1\n2\n{\n", chunk).unwrap_err();
        assert!(e.cause.unwrap().contains("Line 3"), "names the line");
    }
}
