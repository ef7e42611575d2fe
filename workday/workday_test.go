package workday_test

import (
	"testing"
	"time"

	"github.com/go-mitid/mitid/workday"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Denmark's public holidays of 2026 and 2027 as the Danish state publishes
// them (borger.dk, "Helligdage"; Store bededag is not among them since 2024).
func TestHolidaysMatchThePublishedLists(t *testing.T) {
	published := map[int][]time.Time{
		2026: {date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6),
			date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)},
		2027: {date(2027, 1, 1), date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29),
			date(2027, 5, 6), date(2027, 5, 16), date(2027, 5, 17), date(2027, 12, 25), date(2027, 12, 26)},
	}
	var cal workday.Calendar
	for year, want := range published {
		got := cal.Holidays(year)
		if len(got) != len(want) {
			t.Fatalf("%d: %d holidays, want %d: %v", year, len(got), len(want), got)
		}
		for i := range want {
			if !got[i].Date.Equal(want[i]) {
				t.Errorf("%d: holiday %d (%s) on %s, want %s", year, i, got[i].Name, got[i].Date.Format(time.DateOnly), want[i].Format(time.DateOnly))
			}
		}
	}
}

func TestEasterSunday(t *testing.T) {
	for _, want := range []time.Time{date(2000, 4, 23), date(2019, 4, 21), date(2023, 4, 9), date(2024, 3, 31),
		date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28), date(2038, 4, 25), date(2285, 3, 22)} {
		if got := workday.EasterSunday(want.Year(), time.UTC); !got.Equal(want) {
			t.Errorf("Easter %d: %s, want %s", want.Year(), got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
	}
}

func TestGreatPrayerDayAbolishedFrom2024(t *testing.T) {
	var cal workday.Calendar
	if _, ok := cal.IsHoliday(date(2023, 5, 5)); !ok {
		t.Error("Store bededag 2023 (5 May) is a holiday")
	}
	if _, ok := cal.IsHoliday(date(2024, 4, 26)); ok {
		t.Error("Store bededag 2024 (26 April) is a working day since the law of 2023")
	}
	if !cal.IsWorkingDay(date(2026, 5, 1)) {
		t.Error("1 May 2026, the fourth Friday after Easter, is a working day")
	}
}

// Delivery dates as an order placed on each day would be promised them:
// the placing day never counts, weekends and holidays are skipped.
func TestAddWorkingDaysAcrossHolidays(t *testing.T) {
	cal := workday.Calendar{}
	for _, tc := range []struct {
		name   string
		placed time.Time
		n      int
		want   time.Time
	}{
		{"a plain week", date(2026, 3, 2), 8, date(2026, 3, 12)},
		{"placed on a Friday counts from Monday", date(2026, 3, 6), 1, date(2026, 3, 9)},
		{"placed on a Saturday counts from Monday", date(2026, 3, 7), 1, date(2026, 3, 9)},
		{"Easter 2026 skips Thursday to Monday", date(2026, 4, 1), 1, date(2026, 4, 7)},
		{"8 days over Easter 2026", date(2026, 3, 30), 8, date(2026, 4, 14)},
		{"Ascension 2026", date(2026, 5, 13), 1, date(2026, 5, 15)},
		{"Whit Monday 2026", date(2026, 5, 22), 1, date(2026, 5, 26)},
		{"Christmas 2026", date(2026, 12, 24), 1, date(2026, 12, 28)},
		{"New Year 2027", date(2026, 12, 31), 1, date(2027, 1, 4)},
		{"Easter 2027", date(2027, 3, 24), 1, date(2027, 3, 30)},
		{"8 days over Easter 2027", date(2027, 3, 22), 8, date(2027, 4, 6)},
		{"Ascension 2027", date(2027, 5, 5), 1, date(2027, 5, 7)},
		{"Whitsun 2027", date(2027, 5, 14), 1, date(2027, 5, 18)},
		{"chip: 3 days over Christmas 2027 (a weekend)", date(2027, 12, 23), 3, date(2027, 12, 28)},
		{"zero days is the day itself", date(2026, 6, 5), 0, date(2026, 6, 5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cal.AddWorkingDays(tc.placed, tc.n)
			if !got.Equal(tc.want) {
				t.Errorf("%d working days after %s: %s, want %s", tc.n, tc.placed.Format(time.DateOnly), got.Format(time.DateOnly), tc.want.Format(time.DateOnly))
			}
			if tc.n > 0 {
				if n := cal.WorkingDaysBetween(tc.placed, got); n != tc.n {
					t.Errorf("WorkingDaysBetween = %d, want %d", n, tc.n)
				}
			}
		})
	}
}

// Every day of 2026 and 2027: a working day exactly when it is a weekday
// that is not on the published list.
func TestEveryDayOf2026And2027(t *testing.T) {
	cal := workday.Calendar{}
	off := map[time.Time]bool{}
	for _, y := range []int{2026, 2027} {
		for _, h := range cal.Holidays(y) {
			off[h.Date] = true
		}
	}
	working := 0
	for d := date(2026, 1, 1); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !off[d]
		if cal.IsWorkingDay(d) != want {
			t.Errorf("%s: working day %v, want %v", d.Format(time.DateOnly), !want, want)
		}
		if want {
			working++
		}
	}
	// 2026: 261 weekdays less 7 holidays on weekdays; 2027: 261 less 6
	// (Christmas 2027 falls on a weekend).
	if working != 254+255 {
		t.Errorf("%d working days in 2026-2027, want 509", working)
	}
}

func TestDanishTimeDecidesTheDay(t *testing.T) {
	cal := workday.Denmark()
	// 23:30 UTC on Thursday 2 April 2026 is 01:30 on Good Friday in
	// Copenhagen (summer time), a holiday.
	late := time.Date(2026, 4, 2, 23, 30, 0, 0, time.UTC)
	if cal.IsWorkingDay(late) {
		t.Error("01:30 on Good Friday in Copenhagen is not a working day")
	}
	if !cal.IsWorkingDay(time.Date(2026, 4, 1, 21, 0, 0, 0, time.UTC)) {
		t.Error("23:00 on Wednesday 1 April in Copenhagen is a working day")
	}
}

func TestClosedAddsDaysOff(t *testing.T) {
	cal := workday.Calendar{Closed: func(d time.Time) bool { return d.Month() == time.December && d.Day() == 24 }}
	if cal.IsWorkingDay(date(2026, 12, 24)) {
		t.Error("Closed marks Christmas Eve")
	}
	if got := cal.AddWorkingDays(date(2026, 12, 23), 1); !got.Equal(date(2026, 12, 28)) {
		t.Errorf("got %s", got.Format(time.DateOnly))
	}
}
