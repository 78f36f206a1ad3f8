using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace TechLink.Cli.Commands;

/// <summary><c>techlink keys</c>: staff management of a client company's API keys.</summary>
internal static class KeysCommand
{
    public static Command Create(CliIo io)
    {
        var keys = new Command("keys", "Manage a client company's API keys (needs a staff API key).").WithExamples(
            "techlink keys create --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007 --name \"ERP integration\"",
            "techlink keys list --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007",
            "techlink keys revoke --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007 --key-id 31");
        keys.Subcommands.Add(CreateCommand(io));
        keys.Subcommands.Add(ListCommand(io));
        keys.Subcommands.Add(RevokeCommand(io));
        return keys;
    }

    private static Option<string> Company() => new("--company") { Description = "Client company id.", Required = true, HelpName = "ID" };

    private static Command CreateCommand(CliIo io)
    {
        var (url, apiKey, company) = (ApiOptions.Url(), ApiOptions.ApiKey(), Company());
        var name = new Option<string>("--name") { Description = "A name that says what the key is for.", Required = true };
        var command = new Command("create", "Create an API key for a client company (POST /api/v1/companies/{company_id}/api-keys). The key is shown once.")
        {
            url, apiKey, company, name,
        }.WithExamples("techlink keys create --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007 --name \"ERP integration\"");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var client = ApiOptions.CreateClient(parseResult, url, apiKey, io);
            if (client is null) return ExitCodes.Usage;
            return await ApiOptions.RunAsync(io, cancellationToken, async () =>
            {
                var created = await client.CreateApiKeyAsync(parseResult.GetRequiredValue(company), parseResult.GetRequiredValue(name), cancellationToken);
                await io.Out.WriteLineAsync($"api_key_id: {created.ApiKeyId}");
                await io.Out.WriteLineAsync($"key:        {created.Key}");
                await io.Error.WriteLineAsync("Store the key now: it is not shown again.");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command ListCommand(CliIo io)
    {
        var (url, apiKey, company) = (ApiOptions.Url(), ApiOptions.ApiKey(), Company());
        var command = new Command("list", "List a client company's API keys (GET /api/v1/companies/{company_id}/api-keys), without their secrets.")
        {
            url, apiKey, company,
        }.WithExamples("techlink keys list --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var client = ApiOptions.CreateClient(parseResult, url, apiKey, io);
            if (client is null) return ExitCodes.Usage;
            return await ApiOptions.RunAsync(io, cancellationToken, async () =>
            {
                var list = await client.ListApiKeysAsync(parseResult.GetRequiredValue(company), cancellationToken);
                var table = new Table().AddColumns("api_key_id", "name", "created_at", "last_used_at", "revoked_at");
                foreach (var key in list)
                {
                    table.AddRow(Markup.Escape(key.ApiKeyId), Markup.Escape(key.Name ?? ""), Instant(key.CreatedAt), Instant(key.LastUsedAt), Instant(key.RevokedAt));
                }

                var console = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Ansi = AnsiSupport.No,
                    ColorSystem = ColorSystemSupport.NoColors,
                    Out = new AnsiConsoleOutput(io.Out),
                    Interactive = InteractionSupport.No,
                });
                console.Profile.Width = 200;
                console.Write(table);
                await io.Out.WriteLineAsync($"{list.Count} key(s)");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command RevokeCommand(CliIo io)
    {
        var (url, apiKey, company) = (ApiOptions.Url(), ApiOptions.ApiKey(), Company());
        var keyId = new Option<string>("--key-id") { Description = "The api_key_id to revoke.", Required = true, HelpName = "ID" };
        var command = new Command("revoke", "Revoke a client company's API key (DELETE /api/v1/companies/{company_id}/api-keys/{api_key_id}).")
        {
            url, apiKey, company, keyId,
        }.WithExamples("techlink keys revoke --url https://portal.techlinksvc.net --api-key $STAFF_KEY --company 1007 --key-id 31");
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var client = ApiOptions.CreateClient(parseResult, url, apiKey, io);
            if (client is null) return ExitCodes.Usage;
            return await ApiOptions.RunAsync(io, cancellationToken, async () =>
            {
                var id = parseResult.GetRequiredValue(keyId);
                await client.RevokeApiKeyAsync(parseResult.GetRequiredValue(company), id, cancellationToken);
                await io.Out.WriteLineAsync($"Revoked API key {id}.");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static string Instant(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}
