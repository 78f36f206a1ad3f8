namespace TechLink.Delivery.Model;

/// <summary>This process's identity as a lease owner.</summary>
public sealed class DeliveryNode(string id)
{
    public string Id { get; } = id;
}
