package results

import (
	"html/template"
	"io"
)

var page = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"cell": func(c Column, row string) Cell { return c.Cells[row] },
	"class": func(o Outcome) string {
		return [...]string{"missing", "pass", "skip", "fail"}[o]
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>ipcsuite conformance matrix</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 8px; }
th { background: #eee; position: sticky; top: 0; }
td.name { font-family: monospace; white-space: nowrap; }
td.pass { background: #c8f0c8; }
td.skip { background: #fff2b3; cursor: help; }
td.fail { background: #f5b0b0; cursor: help; font-weight: bold; }
td.missing { background: #f4f4f4; color: #999; }
.err { color: #b00; }
</style></head><body>
<h1>ipcsuite conformance matrix</h1>
<p>Hover over a skip or a failure for its reason.</p>
<ul>{{range .Columns}}
<li><b>{{.Name}}</b>: {{.Detail}}; {{.Summary}}{{if .Trouble}} <span class="err">{{.Trouble}}</span>{{end}}{{if .Err}} <span class="err">{{.Err}}</span>{{end}}</li>{{end}}
</ul>
<table>
<tr><th>test</th>{{range .Columns}}<th>{{.Name}}</th>{{end}}</tr>
{{range $row := .Rows}}<tr><td class="name">{{$row}}</td>{{range $.Columns}}{{$c := cell . $row}}<td class="{{class $c.Outcome}}"{{if $c.Reason}} title="{{$c.Reason}}"{{end}}>{{$c.Outcome}}</td>{{end}}</tr>
{{end}}</table>
</body></html>
`))

// HTML writes the matrix as one self-contained page: a colour per cell,
// the reason of a skip or failure in the cell's title (shown on hover).
func HTML(w io.Writer, m Matrix) error {
	return page.Execute(w, m)
}
