//! The arithmetic of the SOP's records: the satisfaction index (Indeks Kepuasan Masyarakat)
//! by the method of PermenPANRB 14/2017, the median and 90th percentile of working times,
//! and the calendar quarters the evaluation is asked for. Pure: the service gathers the
//! numbers, this turns them into figures.

use chrono::{Datelike, NaiveDate};

/// The nine elements of the survey (Permen PANRB 14/2017, Lampiran), in the regulation's
/// order: requirements, procedure, time, cost, product, staff competence, staff behaviour,
/// complaint handling, facilities.
pub const SURVEY_ELEMENTS: [&str; 9] =
    ["requirements", "procedure", "time", "cost", "product", "competence", "behaviour", "complaints", "facilities"];

/// One reporter's answers: a score of 1-4 per element, `None` where they skipped.
pub type SurveyAnswers = [Option<u8>; 9];

/// The regulation's quality grades ("mutu pelayanan").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grade {
    /// Sangat baik: 88.31-100.
    A,
    /// Baik: 76.61-88.30.
    B,
    /// Kurang baik: 65.00-76.60.
    C,
    /// Tidak baik: 25.00-64.99.
    D,
}

impl Grade {
    /// The grade of a converted index (25-100), by the regulation's intervals, compared on
    /// the index rounded to two decimals as the regulation writes it.
    pub fn of(index: f64) -> Grade {
        let hundredths = (index * 100.0).round() as i64;
        match hundredths {
            8831.. => Grade::A,
            7661..=8830 => Grade::B,
            6500..=7660 => Grade::C,
            _ => Grade::D,
        }
    }

    pub fn letter(self) -> char {
        match self {
            Grade::A => 'A',
            Grade::B => 'B',
            Grade::C => 'C',
            Grade::D => 'D',
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ikm {
    /// The converted index, 25-100 (the unit's IKM × 25).
    pub index: f64,
    pub grade: Grade,
    /// How many reporters answered at least one element.
    pub respondents: usize,
    /// Each element's average score (NRR), `None` when nobody rated it.
    pub per_element: [Option<f64>; 9],
}

/// The index of a set of answers. Each element's average (NRR) counts only those who rated
/// it; the index weighs every rated element equally (1/9 with all nine, 1/k when only k were
/// rated by anyone) and converts ×25. The regulation's worked example rounds the weight to
/// 0.111; the exact weight is used here, so nine elements all rated 4 give 100. `None`
/// without a single rating.
pub fn ikm(answers: &[SurveyAnswers]) -> Option<Ikm> {
    let mut per_element = [None; 9];
    for (i, slot) in per_element.iter_mut().enumerate() {
        let scores: Vec<f64> =
            answers.iter().filter_map(|a| a[i]).filter(|s| (1..=4).contains(s)).map(f64::from).collect();
        if !scores.is_empty() {
            *slot = Some(scores.iter().sum::<f64>() / scores.len() as f64);
        }
    }
    let rated: Vec<f64> = per_element.iter().flatten().copied().collect();
    if rated.is_empty() {
        return None;
    }
    let unit = rated.iter().sum::<f64>() / rated.len() as f64;
    let index = unit * 25.0;
    let respondents = answers.iter().filter(|a| a.iter().any(|s| s.is_some_and(|s| (1..=4).contains(&s)))).count();
    Some(Ikm { index, grade: Grade::of(index), respondents, per_element })
}

/// The `p`-th percentile (0-100) of `values` by the nearest-rank method; `None` when empty.
pub fn percentile(values: &[i64], p: u8) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (f64::from(p) / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The median by the usual definition (the mean of the middle two of an even count).
pub fn median(values: &[i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) as f64 / 2.0 } else { sorted[mid] as f64 })
}

/// `2026Q4` as its first day and the first day after it.
pub fn quarter(text: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let upper = text.trim().to_uppercase();
    let (year, q) = upper.split_once('Q').ok_or_else(|| format!("`{text}`: write a quarter as 2026Q4"))?;
    let year: i32 = year.parse().map_err(|_| format!("`{text}`: write a quarter as 2026Q4"))?;
    let q: u32 =
        q.parse().ok().filter(|q| (1..=4).contains(q)).ok_or_else(|| format!("`{text}`: the quarter is 1-4"))?;
    let start = NaiveDate::from_ymd_opt(year, 3 * q - 2, 1).ok_or_else(|| format!("`{text}`: no such quarter"))?;
    let end =
        if q == 4 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, 3 * q + 1, 1) }
            .ok_or_else(|| format!("`{text}`: no such quarter"))?;
    Ok((start, end))
}

/// The month of `day`, as its first day and the first day after it.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let start = day.with_day(1).unwrap_or(day);
    let end = start.checked_add_months(chrono::Months::new(1)).unwrap_or(start);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(score: u8) -> SurveyAnswers {
        [Some(score); 9]
    }

    #[test]
    fn the_index_is_the_mean_of_element_averages_times_25() {
        assert_eq!(ikm(&[all(4)]).unwrap().index, 100.0);
        assert_eq!(ikm(&[all(1)]).unwrap().index, 25.0);
        // Two reporters: element averages 3.5 everywhere → 87.5, grade B.
        let result = ikm(&[all(3), all(4)]).unwrap();
        assert!((result.index - 87.5).abs() < 1e-9);
        assert_eq!((result.grade, result.respondents), (Grade::B, 2));
    }

    #[test]
    fn a_worked_example_by_the_regulations_method() {
        // Element averages 3.2, 3.0, 2.9, 4.0, 3.1, 3.3, 3.4, 3.0, 2.8 (ten respondents each):
        // sum 28.7, mean 3.18889, × 25 = 79.72 → B (Baik).
        let targets = [32, 30, 29, 40, 31, 33, 34, 30, 28];
        let mut answers = vec![[None; 9]; 10];
        for (element, total) in targets.iter().enumerate() {
            // Spread `total` points over ten respondents with scores of 2-4.
            let mut left = *total;
            for (r, answer) in answers.iter_mut().enumerate() {
                let remaining = 10 - r as u8;
                let score = ((left as f64 / remaining as f64).round() as u8).clamp(1, 4);
                answer[element] = Some(score);
                left -= score;
            }
        }
        let result = ikm(&answers).unwrap();
        let averages: Vec<f64> = result.per_element.iter().map(|a| a.unwrap()).collect();
        assert_eq!(averages, [3.2, 3.0, 2.9, 4.0, 3.1, 3.3, 3.4, 3.0, 2.8]);
        assert!((result.index - 79.722).abs() < 0.001, "{}", result.index);
        assert_eq!(result.grade, Grade::B);
    }

    #[test]
    fn skipped_elements_count_only_who_answered_them() {
        let mut first = all(4);
        first[3] = None; // cost: skipped
        let mut second = all(2);
        second[3] = None;
        second[8] = None; // facilities: skipped by the second only
        let result = ikm(&[first, second]).unwrap();
        assert_eq!(result.per_element[3], None);
        assert_eq!(result.per_element[8], Some(4.0));
        assert_eq!(result.per_element[0], Some(3.0));
        // Eight rated elements: seven at 3.0 and facilities at 4.0 → mean 3.125 → 78.125.
        assert!((result.index - 78.125).abs() < 1e-9);
        assert_eq!(ikm(&[[None; 9]]), None);
        assert_eq!(ikm(&[]), None);
    }

    #[test]
    fn grades_follow_the_regulations_intervals() {
        assert_eq!(Grade::of(88.31), Grade::A);
        assert_eq!(Grade::of(88.30), Grade::B);
        assert_eq!(Grade::of(76.61), Grade::B);
        assert_eq!(Grade::of(76.60), Grade::C);
        assert_eq!(Grade::of(65.00), Grade::C);
        assert_eq!(Grade::of(64.99), Grade::D);
        assert_eq!(Grade::of(25.0), Grade::D);
    }

    #[test]
    fn percentiles_and_medians() {
        assert_eq!(percentile(&[], 90), None);
        assert_eq!(percentile(&[5], 90), Some(5));
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&values, 90), Some(9));
        assert_eq!(percentile(&values, 50), Some(5));
        assert_eq!(median(&values), Some(5.5));
        assert_eq!(median(&[7, 1, 3]), Some(3.0));
    }

    #[test]
    fn quarters_and_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(quarter("2026Q4"), Ok((d(2026, 10, 1), d(2027, 1, 1))));
        assert_eq!(quarter("2026q1"), Ok((d(2026, 1, 1), d(2026, 4, 1))));
        assert!(quarter("2026Q5").unwrap_err().contains("1-4"));
        assert!(quarter("Q4").is_err());
        assert_eq!(month_of(d(2026, 11, 23)), (d(2026, 11, 1), d(2026, 12, 1)));
    }
}
