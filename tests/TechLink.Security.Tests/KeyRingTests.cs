using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Testing;
using TechLink.Delivery.Signing;

namespace TechLink.Security.Tests;

/// <summary>
/// Issue 13, point 7: the Data Protection key ring lives in the database, so nodes of one deployment need no shared
/// volume for it, and a key ring an older release kept under <c>DataPath/keys</c> is imported once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class KeyRingTests(PostgresFixture postgres) : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly List<string> _folders = [];

    private string NewDataPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "techlink-ring-" + Guid.NewGuid().ToString("N")[..12]);
        _folders.Add(path);
        return path;
    }

    [Fact]
    public async Task SecondNode_WithItsOwnDataPath_OnTheSameDatabase_DeliversWithTheRightTokenAndSignature()
    {
        var database = await postgres.Cluster.CreateDatabaseAsync("keyring");
        await using var receiver = await LoopbackReceiver.StartAsync();
        // Node A takes the API only; node B, with a DataPath of its own (so no file of A's), is the only dispatcher.
        await using var a = new DataPathServer(NewDataPath(), database, new Dictionary<string, string?> { ["TechLink:Node:Roles"] = "api" });
        var staff = a.Staff();
        var company = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/companies", new { name = "Two nodes" }));
        var companyId = company.GetProperty("company_id").GetString();
        const string token = "x-token-for-two-nodes+/=";
        var hook = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/webhooks",
            new { company_id = companyId, type = "work order created", url = receiver.Url("/hook").ToString(), token }));
        var secret = hook.GetProperty("signing_secret").GetString()!;
        var site = await ReadAsync(await staff.PostAsJsonAsync("/api/v1/sites", new { company_id = companyId, name = "Store", timezone = "UTC" }));
        await ReadAsync(await staff.PostAsJsonAsync("/api/v1/workorders", new { company_id = companyId, site_id = site.GetProperty("site_id").GetString(), title = "Two nodes" }));

        await using var b = new DataPathServer(NewDataPath(), database, new Dictionary<string, string?>
        {
            ["TechLink:Node:Roles"] = "dispatcher",
            ["TechLink:Delivery:NodeId"] = "node-b",
        });
        _ = b.Services; // starts node B and its dispatcher

        var request = Assert.Single(await receiver.WaitForAsync(1, Wait));
        Assert.Equal(token, request.Headers["x-token"]);
        // Signed with the secret node A encrypted, decrypted by node B from the database's key ring.
        var timestamp = long.Parse(request.Headers["webhook-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(WebhookSigner.Sign(request.Headers["webhook-id"], timestamp, request.Body, [secret]), request.Headers["webhook-signature"]);
        Assert.False(Directory.Exists(Path.Combine(_folders[1], "keys")), "node B wrote a key ring of its own to disk");
    }

    [Fact]
    public async Task KeyFilesOfAnOlderRelease_AreImportedOnce_AndWhatTheyProtectedStaysReadable()
    {
        var dataPath = NewDataPath();
        var legacy = Path.Combine(dataPath, "keys");
        // What a release before the database key ring did: the same application name, keys as files under DataPath/keys.
        var before = DataProtectionProvider.Create(new DirectoryInfo(legacy), b => b.SetApplicationName("TechLink"));
        var sealedText = before.CreateProtector("TechLink.KeyRingTests").Protect("protected by the old ring");
        var files = Directory.GetFiles(legacy, "key-*.xml");
        Assert.NotEmpty(files);

        await using (var server = new DataPathServer(dataPath, null))
        {
            var provider = server.Services.GetRequiredService<IDataProtectionProvider>();
            Assert.Equal("protected by the old ring", provider.CreateProtector("TechLink.KeyRingTests").Unprotect(sealedText));
        }

        var afterFirst = DataAtRestRows(dataPath);
        await using (var again = new DataPathServer(dataPath, null))
        {
            _ = again.Services;
            var provider = again.Services.GetRequiredService<IDataProtectionProvider>();
            Assert.Equal("protected by the old ring", provider.CreateProtector("TechLink.KeyRingTests").Unprotect(sealedText));
        }

        var afterSecond = DataAtRestRows(dataPath);
        foreach (var file in files)
        {
            Assert.Contains(Path.GetFileNameWithoutExtension(file), afterFirst.Select(r => r.Name));
        }

        Assert.Equal(afterFirst.Count, afterSecond.Count);
        Assert.Equal(files.Length, afterSecond.Count(r => files.Any(f => Path.GetFileNameWithoutExtension(f) == r.Name)));
    }

    private static List<(string Name, string Xml)> DataAtRestRows(string dataPath)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataPath, "techlink.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT friendly_name, xml FROM data_protection_keys";
        using var reader = command.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var folder in _folders)
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
