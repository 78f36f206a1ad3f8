using System.Text.Json;

namespace TechLink.Upgrade.Tests.Infrastructure;

/// <summary>
/// What <c>Fixtures/make-fixture.sh</c> wrote down while the old release made the fixture: the secrets it handed out
/// (fake, for this test only) and what it stored. The database itself is the test's source for rows and deliveries.
/// </summary>
public sealed record FixtureManifest(
    string Release,
    DateTime MadeAt,
    string Provider,
    string Environment,
    int ReceiverPort,
    IReadOnlyList<StaffKey> StaffApiKeys,
    IReadOnlyList<ClientKey> ClientApiKeys,
    IReadOnlyList<PortalUser> PortalUsers,
    IReadOnlyList<Registration> Webhooks,
    IReadOnlyList<StoredFile> Files,
    DeliveryCounts Deliveries)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static FixtureManifest Load(string folder) =>
        JsonSerializer.Deserialize<FixtureManifest>(File.ReadAllText(Path.Combine(folder, "manifest.json")), Json)
        ?? throw new InvalidOperationException($"{folder}/manifest.json is empty");

    /// <summary>A client key of the company: the caller that may see the company's registrations, files and events.</summary>
    public string KeyOf(string companyId) => ClientApiKeys.First(k => k.CompanyId == companyId).Key;
}

public sealed record StaffKey(string Name, string Key);

public sealed record ClientKey(string CompanyId, string Key);

/// <summary>A portal account; <see cref="CompanyId"/> is null for staff.</summary>
public sealed record PortalUser(string? CompanyId, string Username, string Password);

/// <summary>A registration as created (and for one, rotated) by the old release, with its secrets in clear.</summary>
public sealed record Registration(
    string WebhookId, string CompanyId, string Type, string Path, string Token, string SigningSecret,
    string? PreviousSigningSecret, DateTime? PreviousSecretExpiresAt);

/// <summary>A photo or document; <see cref="Kind"/> is the route segment (photos, closeout-documents, client-documents).</summary>
public sealed record StoredFile(string CompanyId, string WorkorderId, string Kind, string Id, string Sha256);

public sealed record DeliveryCounts(
    int Succeeded,
    int Failed,
    int PendingAfterAFailedAttempt,
    int PendingNeverAttempted,
    DateTime PendingDueBy);
