using TechLink.Testing;

namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>A registration under test: the company whose events it gets, its id, and the receiver path it points at.</summary>
public sealed record Endpoint(string CompanyId, long RegistrationId, string Path);

/// <summary>What the audit found; every figure is counted, none assumed.</summary>
public sealed record AuditResult(
    int Expected,
    int Lost,
    int MixedWebhookIds,
    int WrongWebhookIds,
    int MissingRows,
    int Unexpected,
    int Duplicates,
    int Unexplained,
    int AttemptsRecorded,
    int Deliveries,
    IReadOnlyList<string> Problems);

/// <summary>
/// Compares what the receivers got with the feed (what was committed) and the deliveries table (what the engine recorded).
/// An event of company C is expected once at each of C's endpoints, with the payload of the feed and the webhook-id of its delivery row.
/// A duplicate is a second copy of one webhook-id at one endpoint. A copy is explained when the delivery had at least that
/// many sends that could have reached the receiver: one per recorded attempt, plus one per kill at which the killed node held
/// the delivery's lease (claimed and possibly sent, but not recorded).
/// </summary>
public sealed class DeliveryAudit(LoopbackReceiver receiver, IReadOnlyList<Endpoint> endpoints)
{
    private readonly ILookup<string, Endpoint> _byCompany = endpoints.ToLookup(e => e.CompanyId);
    private readonly Dictionary<(string Path, string Payload), Dictionary<string, int>> _copies = [];
    private readonly HashSet<string> _paths = [.. endpoints.Select(e => e.Path)];
    private int _seen;
    private int _foreign;

    /// <summary>Indexes requests that arrived since the last call (the receiver only appends).</summary>
    public void Refresh()
    {
        var received = receiver.Received;
        for (; _seen < received.Count; _seen++)
        {
            var r = received[_seen];
            if (!_paths.Contains(r.Path))
            {
                _foreign++;
                continue;
            }

            var key = (r.Path, StaffApi.Canonical(r.Body));
            if (!_copies.TryGetValue(key, out var ids)) _copies[key] = ids = [];
            var id = r.Headers.GetValueOrDefault("webhook-id", "");
            ids[id] = ids.GetValueOrDefault(id) + 1;
        }
    }

    private IEnumerable<(FeedEvent Event, Endpoint Endpoint)> Expected(IReadOnlyList<FeedEvent> feed) =>
        feed.SelectMany(e => _byCompany[e.CompanyId].Select(endpoint => (e, endpoint)));

    public int Missing(IReadOnlyList<FeedEvent> feed)
    {
        Refresh();
        return Expected(feed).Count(x => !_copies.ContainsKey((x.Endpoint.Path, x.Event.Payload)));
    }

    /// <summary>Polls until every event of the feed arrived and no delivery is pending, or the deadline passes; answers the time it took.</summary>
    public async Task<TimeSpan> WaitForAllAsync(IReadOnlyList<FeedEvent> feed, DeliveryTable table, TimeSpan limit)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            if (Missing(feed) == 0 && await table.PendingAsync() == 0) return DateTime.UtcNow - started;
            if (DateTime.UtcNow - started > limit) return DateTime.UtcNow - started;
            await Task.Delay(250);
        }
    }

    public AuditResult Evaluate(IReadOnlyList<FeedEvent> feed, IReadOnlyList<DeliveryRow> rows, IReadOnlyDictionary<string, int> leasedAtKills)
    {
        Refresh();
        var problems = new List<string>();
        void Note(string problem)
        {
            if (problems.Count < 10) problems.Add(problem);
        }

        var rowsByKey = rows.GroupBy(r => (r.MessageId, r.EndpointId)).ToDictionary(g => g.Key, g => g.ToList());
        int expected = 0, lost = 0, mixed = 0, wrong = 0, missingRows = 0;
        var expectedKeys = new HashSet<(string, string)>();
        foreach (var (e, endpoint) in Expected(feed))
        {
            expected++;
            expectedKeys.Add((endpoint.Path, e.Payload));
            var row = rowsByKey.GetValueOrDefault((e.EventId, endpoint.RegistrationId));
            if (row is not { Count: 1 })
            {
                missingRows++;
                Note($"event {e.EventId} has {row?.Count ?? 0} delivery rows for registration {endpoint.RegistrationId}");
            }

            if (!_copies.TryGetValue((endpoint.Path, e.Payload), out var ids))
            {
                lost++;
                Note($"event {e.EventId} ({e.Type}) never arrived at {endpoint.Path}; row: {string.Join(", ", row ?? [])}");
                continue;
            }

            if (ids.Count > 1)
            {
                mixed++;
                Note($"event {e.EventId} arrived at {endpoint.Path} under several webhook-ids: {string.Join(", ", ids.Keys)}");
            }
            else if (row is { Count: 1 } && ids.Keys.Single() != row[0].WebhookId)
            {
                wrong++;
                Note($"event {e.EventId} arrived with webhook-id {ids.Keys.Single()}, its delivery row says {row[0].WebhookId}");
            }
        }

        var unexpected = _foreign + _copies.Keys.Count(k => !expectedKeys.Contains(k));
        if (unexpected > 0) Note($"{unexpected} requests carried no event of the feed for their endpoint (or hit an unknown path)");

        var copiesById = _copies.Values.SelectMany(d => d).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        var duplicates = copiesById.Values.Sum(c => c - 1);
        var unexplained = 0;
        foreach (var row in rows)
        {
            var copies = copiesById.GetValueOrDefault(row.WebhookId);
            var sends = row.AttemptsRecorded + leasedAtKills.GetValueOrDefault(row.WebhookId);
            if (copies > sends)
            {
                unexplained++;
                Note($"delivery {row.Id} ({row.WebhookId}) arrived {copies}× but had {row.AttemptsRecorded} recorded attempts and {leasedAtKills.GetValueOrDefault(row.WebhookId)} leases cut by a kill");
            }
        }

        return new AuditResult(expected, lost, mixed, wrong, missingRows, unexpected, duplicates, unexplained, rows.Sum(r => r.AttemptsRecorded), rows.Count, problems);
    }
}
