package results

import (
	"fmt"
	"io"
	"strings"
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
		if c.Err != "" {
			fmt.Fprintf(&b, "; **%s**", mdEscape(c.Err))
		}
		b.WriteString("\n")
	}
	if len(notes) > 0 {
		b.WriteString("\n")
	}
	for i, note := range notes {
		fmt.Fprintf(&b, "%d. %s\n", i+1, mdEscape(note))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdEscape keeps a text from breaking the table or turning into markup.
func mdEscape(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "<", "&lt;", "`", "\\`")
	return r.Replace(s)
}
