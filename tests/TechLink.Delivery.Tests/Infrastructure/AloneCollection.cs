namespace TechLink.Delivery.Tests.Infrastructure;

/// <summary>
/// Tests that measure the whole process (memory, attempt durations under load) run alone: no other test class of
/// this assembly runs beside them, so the figures are theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
