//! Calendar months, written `YYYY-MM`.

use std::fmt;

/// A calendar month as months since year 0 (so adding months is integer addition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(i32);

impl Month {
    /// The last month `YYYY-MM` can write (and [`Month::parse`] read back).
    pub const LAST: Month = Month(9999 * 12 + 11);

    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12)
            .contains(&month)
            .then_some(Month(year * 12 + month as i32 - 1))
    }

    /// Parses `YYYY-MM` exactly.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn plus(self, months: usize) -> Month {
        Month(self.0 + months as i32)
    }

    /// Months from `self` to `later` (negative if `later` is earlier).
    pub fn months_until(self, later: Month) -> i64 {
        i64::from(later.0 - self.0)
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_display_and_arithmetic() {
        let m = Month::parse("2014-12").unwrap();
        assert_eq!(m.plus(1).to_string(), "2015-01");
        assert_eq!(m.plus(36).to_string(), "2017-12");
        assert_eq!(m.months_until(Month::parse("2015-06").unwrap()), 6);
        for bad in [
            "2014-13", "2014-1", "14-12", "2014/12", "2014-00", "abcd-ef", "",
        ] {
            assert!(Month::parse(bad).is_none(), "{bad}");
        }
    }
}
