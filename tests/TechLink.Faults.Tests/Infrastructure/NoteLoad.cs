using System.Net;

namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>
/// Writers adding notes through the API until exactly <paramref name="target"/> were confirmed (201). A request cut off
/// by a kill may or may not have committed; it is retried as a new note, and the feed decides what was committed.
/// </summary>
public sealed class NoteLoad(IReadOnlyList<string> workOrders, int target)
{
    private int _reserved;
    private int _confirmed;
    private int _cut;
    private int _serverErrors;
    private int _sequence;

    public int Target => target;

    public int Confirmed => Volatile.Read(ref _confirmed);

    /// <summary>Requests that got no answer (the node died under them).</summary>
    public int Cut => Volatile.Read(ref _cut);

    /// <summary>5xx answers (retried): a commit that failed and said so.</summary>
    public int ServerErrors => Volatile.Read(ref _serverErrors);

    public bool Done => Confirmed >= target;

    /// <param name="pick">A client of a live node, or null while none is up.</param>
    public Task RunAsync(int writers, Func<HttpClient?> pick, DateTime deadline) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => WriteAsync(pick, deadline))));

    private async Task WriteAsync(Func<HttpClient?> pick, DateTime deadline)
    {
        while (Interlocked.Increment(ref _reserved) <= target)
        {
            while (true)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {Confirmed} of {target} notes confirmed by the deadline");
                var client = pick();
                if (client is null)
                {
                    await Task.Delay(20);
                    continue;
                }

                var n = Interlocked.Increment(ref _sequence);
                try
                {
                    using var response = await client.PostNoteAsync(workOrders[n % workOrders.Count], $"fault note {n}");
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref _confirmed);
                        break;
                    }

                    Assert.True((int)response.StatusCode >= 500, $"note {n}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    Interlocked.Increment(ref _serverErrors);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or ObjectDisposedException)
                {
                    Interlocked.Increment(ref _cut);
                    await Task.Delay(20);
                }
            }
        }
    }
}
