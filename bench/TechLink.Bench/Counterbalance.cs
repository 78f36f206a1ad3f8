namespace TechLink.Bench;

/// <summary>
/// Scenarios whose rates are divided by one another, measured in counterbalanced passes: the first pass runs them in
/// order (A B C …), the second in reverse (… C B A), each with half of the work, and a scenario's figure is the sum of its
/// passes (events over seconds). This machine's speed drifts from minute to minute: the bare loop ran at 16,500 and at
/// 21,700 req/s in two runs ten minutes apart, and its CPU per request moved with it. Measured once each, one after the
/// other, a scenario and its baseline ran up to a minute apart, and their ratio carried the drift; in passes whose orders
/// mirror each other, every scenario's mean position in time is the same, so a drift that is steady over the block
/// cancels out of every ratio.
/// </summary>
internal static class Counterbalance
{
    /// <summary>A scenario of the block: its name and how to run it for a given share of its work.</summary>
    public sealed record Item(string Name, Func<int, Task<Throughput>> Run, int Count);

    public const int Passes = 2;

    public static async Task<Dictionary<string, Throughput>> RunAsync(IReadOnlyList<Item> items, Action<string> progress)
    {
        var runs = items.ToDictionary(i => i.Name, _ => new List<Throughput>());
        for (var pass = 0; pass < Passes; pass++)
        {
            var order = pass % 2 == 0 ? items : items.Reverse();
            foreach (var item in order)
            {
                progress($"{item.Name} (pass {pass + 1} of {Passes})");
                runs[item.Name].Add(await item.Run(Share(item.Count, pass)));
            }
        }

        return runs.ToDictionary(r => r.Key, r => Combine(r.Value));
    }

    /// <summary>The pass's share of <paramref name="count"/>: the passes add up to it.</summary>
    public static int Share(int count, int pass) => (count / Passes) + (pass < count % Passes ? 1 : 0);

    /// <summary>One figure for several runs: their deliveries over their seconds; the per-run figures weighted by deliveries.</summary>
    public static Throughput Combine(IReadOnlyList<Throughput> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var delivered = runs.Sum(r => r.Delivered);
        double? Weighted(Func<Throughput, double?> of) =>
            runs.All(r => of(r) is not null) && delivered > 0 ? runs.Sum(r => of(r)!.Value * r.Delivered) / delivered : null;
        return new Throughput(delivered, runs.Sum(r => r.Seconds), runs.Sum(r => r.Duplicates), runs.All(r => r.Complete))
        {
            WrittenPerSecond = Weighted(r => r.WrittenPerSecond),
            CpuMicrosPerDelivery = Weighted(r => r.CpuMicrosPerDelivery),
        };
    }
}
