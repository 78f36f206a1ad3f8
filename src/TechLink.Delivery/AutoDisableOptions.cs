namespace TechLink.Delivery;

/// <summary>Section <c>TechLink:Delivery:AutoDisable</c>: when a registration that keeps failing is turned off.</summary>
public sealed class AutoDisableOptions
{
    /// <summary>How many of the last deliveries must all have failed; 0 turns auto-disable off.</summary>
    public int FailedDeliveries { get; set; } = 20;

    /// <summary>How long ago the oldest of them must have been created.</summary>
    public TimeSpan FailingFor { get; set; } = TimeSpan.FromDays(1);
}
