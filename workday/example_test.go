package workday_test

import (
	"fmt"
	"time"

	"github.com/go-mitid/mitid/workday"
)

// Easter 2026 takes Maundy Thursday, Good Friday and Easter Monday: the
// first working day after Wednesday 1 April is Tuesday 7 April.
func ExampleCalendar_AddWorkingDays() {
	cal := workday.Denmark()
	placed := time.Date(2026, 4, 1, 12, 0, 0, 0, time.UTC)
	fmt.Println(cal.AddWorkingDays(placed, 1).Format("Monday 2 January"))
	// Output: Tuesday 7 April
}
