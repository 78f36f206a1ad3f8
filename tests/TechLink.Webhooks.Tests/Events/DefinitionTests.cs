using System.Text.Json;
using System.Text.RegularExpressions;

namespace TechLink.Webhooks.Tests.Events;

/// <summary>The event records are the one definition of each event type: name, description, sample and parser entry.</summary>
public sealed class DefinitionTests
{
    public static TheoryData<string> Names => [.. TechLinkEventTypes.Definitions.Select(d => d.Name)];

    [Fact]
    public void Definitions_AreTheSpecs21Records_EachWithNameDescriptionAndSample()
    {
        var definitions = TechLinkEventTypes.Definitions;

        Assert.Equal(21, definitions.Count);
        Assert.Equal(21, definitions.Select(d => d.Name).Distinct().Count());
        Assert.Equal(21, definitions.Select(d => d.ClrType).Distinct().Count());
        Assert.All(definitions, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Name));
            Assert.False(string.IsNullOrWhiteSpace(d.Description));
            Assert.False(string.IsNullOrWhiteSpace(d.SampleJson));
            Assert.True(d.ClrType.IsSealed);
            Assert.Equal(d.ClrType, WebhookParser.EventClrType(d.Name));
        });
    }

    [Fact]
    public void Definitions_EverySealedEventRecordOfTheAssembly_IsListed()
    {
        var records = typeof(TechLinkEvent).Assembly.GetTypes()
            .Where(t => t.IsSealed && typeof(TechLinkEvent).IsAssignableFrom(t) && t != typeof(UnknownEvent));

        Assert.Equal(records.OrderBy(t => t.Name), TechLinkEventTypes.Definitions.Select(d => d.ClrType).OrderBy(t => t.Name));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Sample_RoundTripsThroughItsRecord(string name)
    {
        var definition = TechLinkEventTypes.Find(name)!;

        var parsed = TechLinkEvent.Parse(definition.SampleJson);
        var written = JsonSerializer.Serialize(parsed, definition.ClrType, TechLinkJson.Options);
        var again = TechLinkEvent.Parse(written);

        Assert.IsType(definition.ClrType, parsed);
        Assert.Equal(name, parsed.Event);
        Assert.Equal(parsed with { RawJson = "" }, again with { RawJson = "" });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Sample_EveryFieldBelongsToTheRecord(string name)
    {
        var definition = TechLinkEventTypes.Find(name)!;
        var strict = new JsonSerializerOptions(TechLinkJson.EventOptions) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

        var parsed = JsonSerializer.Deserialize<TechLinkEvent>(definition.SampleJson, strict);

        Assert.IsType(definition.ClrType, parsed);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Sample_IsByteForByteTheBodyTheSdkSentBefore(string name)
    {
        var before = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Events", "Fixtures", "samples.json")))!;

        Assert.Equal(before[name], TechLinkSamples.For(name));
    }

    [Fact]
    public void Parse_WithEventFieldLast_UsesThePolymorphicReader()
    {
        var e = TechLinkEvent.Parse("""{"workorder_id": "7", "task_id": "12", "event": "work order task deleted"}""");

        Assert.Equal(("7", "12"), (Assert.IsType<WorkOrderTaskDeleted>(e).WorkOrderId, ((WorkOrderTaskDeleted)e).TaskId));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void SpecName_IsWrittenInExactlyOneSourceFileUnderSrc(string name)
    {
        var files = Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".js", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => Regex.IsMatch(File.ReadAllText(f), $@"(?<![\w-]){Regex.Escape(name)}(?![\w-])"))
            .Select(f => Path.GetRelativePath(RepositoryRoot(), f))
            .ToList();

        Assert.Equal([Path.Combine("src", "TechLink.Webhooks", "Events", "TechLinkEventTypes.cs")], files);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TechLink.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("TechLink.slnx not found above " + AppContext.BaseDirectory);
    }
}
