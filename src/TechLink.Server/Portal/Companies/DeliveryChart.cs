using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.EntityFrameworkCore;
using TechLink.Delivery.Model;
using TechLink.Server.Data;

namespace TechLink.Server.Portal.Companies;

/// <summary>One hour of the last 24: attempts that delivered, attempts that failed, and their mean latency.</summary>
public sealed record HourBucket(DateTime Start, int Delivered, int Failed, double MeanLatencyMs);

/// <summary>The delivery log's chart, drawn on the server as inline SVG: no script, prints and reads without JavaScript.</summary>
public static class DeliveryChart
{
    /// <summary>The first hour the chart shows: 23 hours before the current one.</summary>
    public static DateTime FirstHour(DateTime now) => new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(-23);

    /// <summary>The chart of <paramref name="endpoints"/> (one registration's page, or a company's): their buckets, read by their key.</summary>
    public static async Task<IReadOnlyList<HourBucket>> HoursAsync(TechLinkDbContext db, IReadOnlyCollection<long> endpoints, DateTime now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        var first = FirstHour(now);
        var stats = await db.EndpointStats.AsNoTracking().Where(b => endpoints.Contains(b.EndpointId) && b.BucketStart >= first).ToListAsync(ct);
        return Buckets(stats, now);
    }

    /// <summary>
    /// The 24 hours from the endpoints' five-minute stats buckets (<see cref="EndpointStatsBucket"/>, what the dispatcher
    /// counts as it writes its results; test sends are not in them): a query of at most 288 rows an endpoint, where
    /// reading the attempts themselves would take an index on their start that every attempt's insert pays for.
    /// </summary>
    public static IReadOnlyList<HourBucket> Buckets(IEnumerable<EndpointStatsBucket> stats, DateTime now)
    {
        var first = FirstHour(now);
        var hours = stats.Where(b => b.BucketStart >= first)
            .GroupBy(b => (int)(b.BucketStart - first).TotalHours)
            .ToDictionary(g => g.Key, g => (Attempts: g.Sum(b => b.Attempts), Succeeded: g.Sum(b => b.Succeeded), Total: g.Sum(b => b.DurationMsTotal)));
        return [.. Enumerable.Range(0, 24).Select(i =>
        {
            var (attempts, succeeded, total) = hours.GetValueOrDefault(i);
            return new HourBucket(first.AddHours(i), succeeded, attempts - succeeded, attempts == 0 ? 0 : total / (double)attempts);
        })];
    }

    public static string Svg(IReadOnlyList<HourBucket> buckets)
    {
        const int width = 960, height = 240, left = 48, right = 56, top = 16, bottom = 36;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var maxCount = Math.Max(1, buckets.Max(b => b.Delivered + b.Failed));
        var maxLatency = Math.Max(1, buckets.Max(b => b.MeanLatencyMs));
        var slot = plotW / (double)buckets.Count;
        var s = new StringBuilder();
        string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
        s.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">");
        s.Append("<title id=\"chart-title\">Deliveries in the last 24 hours</title>");
        s.Append(CultureInfo.InvariantCulture, $"<desc id=\"chart-desc\">Attempts per hour: {buckets.Sum(b => b.Delivered)} delivered, {buckets.Sum(b => b.Failed)} failed; the line is the mean attempt latency.</desc>");
        s.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#9aa5b1\"/>");
        s.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 4}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6675\">{maxCount}</text>");
        s.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + plotH}\" text-anchor=\"end\" font-size=\"11\" fill=\"#5b6675\">0</text>");
        s.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW + 6}\" y=\"{top + 4}\" font-size=\"11\" fill=\"#0b5cad\">{F(maxLatency)} ms</text>");
        var points = new List<string>();
        for (var i = 0; i < buckets.Count; i++)
        {
            var b = buckets[i];
            var x = left + i * slot + slot * 0.15;
            var w = slot * 0.7;
            var hOk = plotH * b.Delivered / (double)maxCount;
            var hBad = plotH * b.Failed / (double)maxCount;
            var label = HtmlEncoder.Default.Encode($"{b.Start:HH}:00 UTC: {b.Delivered} delivered, {b.Failed} failed, mean {F(b.MeanLatencyMs)} ms");
            s.Append(CultureInfo.InvariantCulture, $"<g><title>{label}</title>");
            if (b.Delivered > 0) s.Append(CultureInfo.InvariantCulture, $"<rect class=\"delivered\" x=\"{F(x)}\" y=\"{F(top + plotH - hOk)}\" width=\"{F(w)}\" height=\"{F(hOk)}\" fill=\"#2e8b57\"/>");
            if (b.Failed > 0) s.Append(CultureInfo.InvariantCulture, $"<rect class=\"failed\" x=\"{F(x)}\" y=\"{F(top + plotH - hOk - hBad)}\" width=\"{F(w)}\" height=\"{F(hBad)}\" fill=\"#c0392b\"/>");
            s.Append("</g>");
            if (i % 3 == 0) s.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + i * slot + slot / 2)}\" y=\"{height - bottom + 16}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5b6675\">{b.Start:HH}:00</text>");
            if (b.Delivered + b.Failed > 0) points.Add($"{F(left + i * slot + slot / 2)},{F(top + plotH - plotH * b.MeanLatencyMs / maxLatency)}");
        }

        if (points.Count > 0)
        {
            s.Append(CultureInfo.InvariantCulture, $"<polyline class=\"latency\" points=\"{string.Join(' ', points)}\" fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\"/>");
            foreach (var p in points) s.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{p.Split(',')[0]}\" cy=\"{p.Split(',')[1]}\" r=\"3\" fill=\"#0b5cad\"/>");
        }

        s.Append(CultureInfo.InvariantCulture, $"<g font-size=\"12\"><rect x=\"{left}\" y=\"{height - 14}\" width=\"10\" height=\"10\" fill=\"#2e8b57\"/><text x=\"{left + 14}\" y=\"{height - 5}\">delivered</text>");
        s.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + 90}\" y=\"{height - 14}\" width=\"10\" height=\"10\" fill=\"#c0392b\"/><text x=\"{left + 104}\" y=\"{height - 5}\">failed</text>");
        s.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left + 160}\" y1=\"{height - 9}\" x2=\"{left + 180}\" y2=\"{height - 9}\" stroke=\"#0b5cad\" stroke-width=\"2\"/><text x=\"{left + 184}\" y=\"{height - 5}\">mean attempt latency (right scale)</text></g>");
        s.Append("</svg>");
        return s.ToString();
    }
}
