package results

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Markdown writes the matrix as a markdown table. A skip or failure points
// at a numbered note under the table that gives its reason; cells with the
// same reason share a note.
func Markdown(w io.Writer, m Matrix) error {
	var b strings.Builder
	b.WriteString("| test |")
	for _, c := range m.Columns {
		fmt.Fprintf(&b, " %s |", c.Name)
	}
	b.WriteString("\n|---|")
	for range m.Columns {
		b.WriteString("---|")
	}
	b.WriteString("\n")

	var notes []string
	noteOf := map[string]int{}
	for _, row := range m.Rows {
		fmt.Fprintf(&b, "| %s |", mdEscape(row))
		for _, c := range m.Columns {
			cell := c.Cells[row]
			text := cell.Outcome.String()
			if cell.Outcome == Skip || cell.Outcome == Fail {
				reason := cell.Reason
				if reason == "" {
					reason = "(no output)"
				}
				n, ok := noteOf[reason]
				if !ok {
					notes = append(notes, reason)
					n = len(notes)
					noteOf[reason] = n
				}
				text += fmt.Sprintf(" [%d]", n)
			}
			fmt.Fprintf(&b, " %s |", text)
		}
		b.WriteString("\n")
	}

	b.WriteString("\n")
	for _, c := range m.Columns {
		fmt.Fprintf(&b, "- **%s**: %s; %s", c.Name, mdEscape(c.Detail), c.Summary())
		for _, e := range []string{c.Trouble, c.Err} {
			if e != "" {
				fmt.Fprintf(&b, "; **%s**", mdEscape(e))
			}
		}
		b.WriteString("\n")
	}
	if len(notes) > 0 {
		b.WriteString("\n")
	}
	for i, note := range notes {
		fmt.Fprintf(&b, "%d. %s\n", i+1, mdEscape(note))
	}
	timeTable(&b, m)
	_, err := io.WriteString(w, b.String())
	return err
}

// timeTable writes how long each package's binary ran in each column, and
// each column as a whole, if any column has times.
func timeTable(b *strings.Builder, m Matrix) {
	var pkgs []string
	seen := map[string]bool{}
	for _, c := range m.Columns {
		for row := range c.Times {
			if !seen[row] {
				seen[row] = true
				pkgs = append(pkgs, row)
			}
		}
	}
	if len(pkgs) == 0 {
		return
	}
	sort.Strings(pkgs)
	b.WriteString("\n| time |")
	for _, c := range m.Columns {
		fmt.Fprintf(b, " %s |", c.Name)
	}
	b.WriteString("\n|---|")
	for range m.Columns {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, row := range pkgs {
		fmt.Fprintf(b, "| %s |", mdEscape(row))
		for _, c := range m.Columns {
			fmt.Fprintf(b, " %s |", Seconds(c.Times[row]))
		}
		b.WriteString("\n")
	}
	b.WriteString("| **column** |")
	for _, c := range m.Columns {
		fmt.Fprintf(b, " **%s** |", Seconds(c.Elapsed))
	}
	b.WriteString("\n")
}

// Seconds renders a duration as seconds with one decimal, or "-" for none.
func Seconds(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// mdEscape keeps a text from breaking the table or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "<", "&lt;", "`", "\\`")
	return r.Replace(s)
}
