namespace TechLink.Faults.Tests.Infrastructure;

/// <summary>The seed of a randomised fault schedule: <c>TECHLINK_FAULT_SEED</c> replays a run, otherwise a fresh one.</summary>
public static class FaultSeed
{
    public static int Next() =>
        int.TryParse(Environment.GetEnvironmentVariable("TECHLINK_FAULT_SEED"), out var seed) ? seed : Random.Shared.Next();
}
