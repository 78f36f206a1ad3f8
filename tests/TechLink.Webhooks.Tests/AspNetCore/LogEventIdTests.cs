using System.Reflection;
using Microsoft.Extensions.Logging;

namespace TechLink.Webhooks.Tests.AspNetCore;

/// <summary>The receiver endpoint's log messages take their event ids from its one registry, each id once.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void LoggerMessages_AspNetCore_EventIdsFromTheRegistryAndUnique()
    {
        var assembly = typeof(TechLink.Webhooks.TechLinkWebhookOptions).Assembly;
        var ids = assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (Name: $"{m.Method.DeclaringType!.Name}.{m.Method.Name}", m.Attribute!.EventId))
            .ToList();
        var registry = assembly.GetType("TechLink.Webhooks.AspNetCore.LogEventIds", throwOnError: true)!
            .GetFields(BindingFlags.Static | BindingFlags.Public)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

        Assert.True(ids.Count >= 5, $"only {ids.Count} log messages found");
        var duplicates = ids.GroupBy(m => m.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Name))}").ToList();
        Assert.True(duplicates.Count == 0, "event ids used twice: " + string.Join("; ", duplicates));
        Assert.Equal(registry.Count, registry.Values.Distinct().Count());
        Assert.All(ids, m => Assert.Contains(m.EventId, registry.Values));
    }
}
