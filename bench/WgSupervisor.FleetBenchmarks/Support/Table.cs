using System.Text;

namespace WgSupervisor.FleetBenchmarks.Support;

/// <summary>A plain text table (Markdown pipe syntax, so that it can be pasted into docs as it is).</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public Table Row(params object?[] cells)
    {
        _rows.Add(cells.Select(c => c switch
        {
            null => "—",
            double d => d.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture),
            _ => Convert.ToString(c, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        }).ToArray());
        return this;
    }

    public override string ToString()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.Append("| ").Append(string.Join(" | ", widths.Select((w, i) => (i < cells.Count ? cells[i] : "").PadRight(w)))).AppendLine(" |");
        Line(headers);
        text.Append('|').Append(string.Join('|', widths.Select(w => new string('-', w + 2)))).AppendLine("|");
        foreach (var row in _rows) Line(row);
        return text.ToString();
    }

    public void Print() => Console.Write(ToString());
}
