//! `realign run --parquet` (a build with the `parquet` feature): each tidy table and trajectories.csv also as
//! `STEM.parquet`, made from the CSV's own bytes, so the two files hold the same table by construction.
//!
//! Format: one row group, no compression, columns in the CSV's order with the CSV header's names. A column's type
//! is the narrowest that holds every non-empty cell: INT64 when all are whole numbers, DOUBLE when all parse as
//! numbers, else a UTF-8 string (BYTE_ARRAY, logical type STRING). A column with an empty cell is OPTIONAL and the
//! empty cells are nulls (pandas reads both files to NaN there); other columns are REQUIRED. Nothing in the file
//! depends on time or machine: the same CSV gives the same bytes.

use super::OutputError;

/// The Parquet file holding the table of `csv` (a header row, then records).
pub fn from_csv(csv: &[u8]) -> Result<Vec<u8>, OutputError> {
    imp::from_csv(csv)
}

/// The column kinds a CSV's cells fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Double,
    Text,
}

/// The narrowest kind holding every non-empty cell (an all-empty column is text).
pub fn kind_of<'a>(cells: impl Iterator<Item = &'a str>) -> Kind {
    let mut kind = None;
    for c in cells.filter(|c| !c.is_empty()) {
        let k = if c.parse::<i64>().is_ok() {
            Kind::Int
        } else if c.parse::<f64>().is_ok() {
            Kind::Double
        } else {
            return Kind::Text;
        };
        kind = Some(match (kind, k) {
            (None, k) | (Some(Kind::Int), k) => k,
            (Some(prev), _) => prev,
        });
    }
    kind.unwrap_or(Kind::Text)
}

#[cfg(feature = "parquet")]
mod imp {
    use std::sync::Arc;

    use parquet::basic::{LogicalType, Repetition, Type as Physical};
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;

    use super::{Kind, OutputError, kind_of};

    fn err(e: impl std::fmt::Display) -> OutputError {
        OutputError::Parquet(e.to_string())
    }

    pub fn from_csv(csv: &[u8]) -> Result<Vec<u8>, OutputError> {
        let mut r = csv::ReaderBuilder::new().from_reader(csv);
        let header: Vec<String> = r.headers().map_err(err)?.iter().map(String::from).collect();
        let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().map_err(err)?;
        let cell = |row: &csv::StringRecord, c: usize| row.get(c).unwrap_or("").to_string();
        let mut fields = Vec::new();
        let mut columns = Vec::new();
        for (c, name) in header.iter().enumerate() {
            let cells: Vec<String> = rows.iter().map(|row| cell(row, c)).collect();
            let kind = kind_of(cells.iter().map(String::as_str));
            let nullable = cells.iter().any(String::is_empty);
            let (physical, logical) = match kind {
                Kind::Int => (Physical::INT64, None),
                Kind::Double => (Physical::DOUBLE, None),
                Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            };
            let repetition = match nullable {
                true => Repetition::OPTIONAL,
                false => Repetition::REQUIRED,
            };
            fields.push(Arc::new(
                Type::primitive_type_builder(name, physical)
                    .with_repetition(repetition)
                    .with_logical_type(logical)
                    .build()
                    .map_err(err)?,
            ));
            columns.push((kind, nullable, cells));
        }
        let schema = Arc::new(
            Type::group_type_builder("schema")
                .with_fields(fields)
                .build()
                .map_err(err)?,
        );
        // created_by without the parquet crate's version: an upgrade should not change a byte.
        let props = Arc::new(
            WriterProperties::builder()
                .set_created_by(format!("realign {}", env!("CARGO_PKG_VERSION")))
                .build(),
        );
        let mut w = SerializedFileWriter::new(Vec::new(), schema, props).map_err(err)?;
        let mut group = w.next_row_group().map_err(err)?;
        for (kind, nullable, cells) in &columns {
            let Some(mut col) = group.next_column().map_err(err)? else {
                break;
            };
            let present: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
            let levels: Vec<i16> = cells.iter().map(|c| i16::from(!c.is_empty())).collect();
            let def = nullable.then_some(levels.as_slice());
            // The kind was chosen so that every present cell parses as it.
            match kind {
                Kind::Int => {
                    let v: Vec<i64> = present.iter().map(|c| c.parse().unwrap_or(0)).collect();
                    col.typed::<Int64Type>().write_batch(&v, def, None)
                }
                Kind::Double => {
                    let v: Vec<f64> = present.iter().map(|c| c.parse().unwrap_or(0.0)).collect();
                    col.typed::<DoubleType>().write_batch(&v, def, None)
                }
                Kind::Text => {
                    let v: Vec<ByteArray> = present
                        .iter()
                        .map(|c| ByteArray::from(c.as_str()))
                        .collect();
                    col.typed::<ByteArrayType>().write_batch(&v, def, None)
                }
            }
            .map_err(err)?;
            col.close().map_err(err)?;
        }
        group.close().map_err(err)?;
        w.into_inner().map_err(err)
    }
}

#[cfg(not(feature = "parquet"))]
mod imp {
    use super::OutputError;

    /// Never reached: `--parquet` is refused before anything runs in a build without the feature.
    pub fn from_csv(_csv: &[u8]) -> Result<Vec<u8>, OutputError> {
        Err(OutputError::Parquet(
            "this realign was built without the parquet feature".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_the_narrowest_that_hold_every_cell() {
        assert_eq!(kind_of(["1", "", "-3"].into_iter()), Kind::Int);
        assert_eq!(kind_of(["1", "0.5"].into_iter()), Kind::Double);
        assert_eq!(kind_of(["0.5", "2"].into_iter()), Kind::Double);
        assert_eq!(kind_of(["1", "Belarus"].into_iter()), Kind::Text);
        assert_eq!(kind_of(["", ""].into_iter()), Kind::Text);
    }
}
