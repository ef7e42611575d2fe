// Package workday is a Danish working-day calendar: weekends and the public
// holidays of Denmark, the movable ones computed from Easter Sunday, so the
// calendar needs no table per year and is right for any year of the
// Gregorian calendar.
//
// The public holidays (helligdage) are New Year's Day, Maundy Thursday, Good
// Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday and Monday,
// Christmas Day and Boxing Day, and, until 2023, Great Prayer Day (Store
// Bededag, the fourth Friday after Easter), which the Danish Parliament
// abolished as a public holiday from 2024 (Lov nr. 2 af 28/02/2023). Days
// many firms close without being public holidays (Constitution Day,
// Christmas Eve, New Year's Eve) are working days here; Calendar.Closed
// adds such days for a business that closes on them.
//
// The package imports nothing outside the standard library.
package workday

import (
	"time"
)

// Calendar answers which days are working days. Its zero value is the
// Danish calendar in UTC; Denmark returns it in Danish time.
type Calendar struct {
	// Location is where a day begins and ends (Europe/Copenhagen for
	// Denmark). Nil means UTC.
	Location *time.Location
	// Closed, when set, marks further days off (a business closing on
	// Christmas Eve, say). It gets the date at midnight in Location.
	Closed func(day time.Time) bool
}

// Denmark returns the Danish calendar in Danish time (Europe/Copenhagen).
// When the time zone database is not available it uses a fixed UTC+1, which
// differs from Danish time only in the hour around midnight in summer.
func Denmark() Calendar {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		loc = time.FixedZone("CET", 3600)
	}
	return Calendar{Location: loc}
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Holiday names a public holiday.
type Holiday struct {
	Date time.Time // midnight in the calendar's location
	Name string    // in Danish, as the law names it
}

// EasterSunday returns the date of Easter Sunday of year (Gregorian
// calendar), at midnight in loc, by the anonymous Gregorian algorithm
// (Meeus/Jones/Butcher).
func EasterSunday(year int, loc *time.Location) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, loc)
}

// Holidays returns Denmark's public holidays of year in date order.
func (c Calendar) Holidays(year int) []Holiday {
	loc := c.loc()
	easter := EasterSunday(year, loc)
	rel := func(days int, name string) Holiday { return Holiday{easter.AddDate(0, 0, days), name} }
	fixed := func(m time.Month, d int, name string) Holiday {
		return Holiday{time.Date(year, m, d, 0, 0, 0, 0, loc), name}
	}
	hs := []Holiday{
		fixed(time.January, 1, "Nytårsdag"),
		rel(-3, "Skærtorsdag"),
		rel(-2, "Langfredag"),
		rel(0, "Påskedag"),
		rel(1, "2. påskedag"),
	}
	if year < 2024 {
		hs = append(hs, rel(26, "Store bededag"))
	}
	return append(hs,
		rel(39, "Kristi himmelfartsdag"),
		rel(49, "Pinsedag"),
		rel(50, "2. pinsedag"),
		fixed(time.December, 25, "Juledag"),
		fixed(time.December, 26, "2. juledag"),
	)
}

// day returns t's date at midnight in the calendar's location.
func (c Calendar) day(t time.Time) time.Time {
	t = t.In(c.loc())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc())
}

// IsHoliday reports whether t falls on a public holiday, and which.
func (c Calendar) IsHoliday(t time.Time) (Holiday, bool) {
	d := c.day(t)
	for _, h := range c.Holidays(d.Year()) {
		if h.Date.Equal(d) {
			return h, true
		}
	}
	return Holiday{}, false
}

// IsWorkingDay reports whether t falls on a working day: Monday to Friday,
// not a public holiday and not a day Closed marks.
func (c Calendar) IsWorkingDay(t time.Time) bool {
	d := c.day(t)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if _, ok := c.IsHoliday(d); ok {
		return false
	}
	return c.Closed == nil || !c.Closed(d)
}

// AddWorkingDays returns the date (midnight in the calendar's location) of
// the n-th working day after t's date: the day t falls on never counts, so
// an order placed on a Friday evening and one placed on the Saturday after
// both count from the Monday. n of zero or less returns t's date.
func (c Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := c.day(t)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// WorkingDaysBetween counts the working days after from's date up to and
// including to's date (0 when to is not after from).
func (c Calendar) WorkingDaysBetween(from, to time.Time) int {
	d, end, n := c.day(from), c.day(to), 0
	for d.Before(end) {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
