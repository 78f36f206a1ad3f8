using System.Reflection;
using Microsoft.Extensions.Logging;

namespace TechLink.Server.Tests.Infrastructure;

/// <summary>Every source-generated log message of the host and the engine has an event id of its own.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void LoggerMessages_ServerAndDelivery_EventIdsUniqueAndInTheirRanges()
    {
        var messages = new[] { typeof(TechLink.Server.Infrastructure.Caller).Assembly, typeof(TechLink.Delivery.DeliveryOptions).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (Name: $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}", m.Attribute!.EventId, Assembly: m.Method.DeclaringType.Assembly.GetName().Name))
            .ToList();

        Assert.True(messages.Count > 20, $"only {messages.Count} log messages found");
        var duplicates = messages.GroupBy(m => m.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}").ToList();
        Assert.True(duplicates.Count == 0, "event ids used twice: " + string.Join("; ", duplicates));
        Assert.All(messages.Where(m => m.Assembly == "TechLink.Delivery"), m => Assert.InRange(m.EventId, 1000, 2999));
        Assert.All(messages.Where(m => m.Assembly == "TechLink.Server"), m => Assert.InRange(m.EventId, 3000, 3999));
    }
}
