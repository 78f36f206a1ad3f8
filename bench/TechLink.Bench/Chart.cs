using System.Globalization;
using System.Text;

namespace TechLink.Bench;

/// <summary>A plain SVG bar chart of the growth points, no dependencies.</summary>
internal static class Chart
{
    public static string Growth(List<Drain> points)
    {
        const int W = 720, H = 360, Left = 70, Bottom = 300, Top = 30;
        var max = Math.Max(1, points.Select(p => p.PerSecond).DefaultIfEmpty(1).Max());
        var bar = (W - Left - 20) / Math.Max(1, points.Count);
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" font-family=\"sans-serif\" font-size=\"12\">");
        b.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{W / 2}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">Delivered/s and peak RSS by registrations and backlog (dispatcher process, SQLite)</text>");
        b.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{Bottom}\" x2=\"{W - 10}\" y2=\"{Bottom}\" stroke=\"black\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Bottom}\" stroke=\"black\"/>");
        b.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{Top + 4}\" text-anchor=\"end\">{max:0}/s</text><text x=\"{Left - 8}\" y=\"{Bottom}\" text-anchor=\"end\">0</text>");
        for (var i = 0; i < points.Count; i++)
        {
            var p = points[i];
            var h = (int)((Bottom - Top) * p.PerSecond / max);
            var x = Left + 10 + i * bar;
            b.AppendLine(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{Bottom - h}\" width=\"{bar - 20}\" height=\"{h}\" fill=\"#4a7ebb\"/>");
            b.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x + (bar - 20) / 2}\" y=\"{Bottom - h - 18}\" text-anchor=\"middle\">{p.PerSecond:0}/s</text>");
            b.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x + (bar - 20) / 2}\" y=\"{Bottom - h - 4}\" text-anchor=\"middle\" fill=\"#a33\">{p.PeakRssMb:0} MB</text>");
            b.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x + (bar - 20) / 2}\" y=\"{Bottom + 16}\" text-anchor=\"middle\">{p.Registrations:N0} reg</text>");
            b.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{x + (bar - 20) / 2}\" y=\"{Bottom + 32}\" text-anchor=\"middle\">{p.Backlog:N0} backlog</text>");
        }

        b.AppendLine("</svg>");
        return b.ToString();
    }
}
