using System.CommandLine;
using TechLink.Webhooks;

namespace TechLink.Cli.Commands;

/// <summary>Options shared by the commands that call the API.</summary>
internal static class ApiOptions
{
    public const string UrlVariable = "TECHLINK_URL";
    public const string KeyVariable = "TECHLINK_API_KEY";

    public static Option<string> Url() => new("--url")
    {
        Description = $"Server base address, e.g. https://sandbox.techlinksvc.net (default: ${UrlVariable}).",
        HelpName = "BASE",
    };

    public static Option<string> ApiKey() => new("--api-key")
    {
        Description = $"API key, sent as a bearer token (default: ${KeyVariable}).",
        HelpName = "KEY",
    };

    /// <summary>A client from the options or their environment variables; null (after explaining why) when one is missing.</summary>
    public static TechLinkApiClient? CreateClient(ParseResult parseResult, Option<string> url, Option<string> apiKey, CliIo io)
    {
        var baseUrl = parseResult.GetValue(url) ?? Environment.GetEnvironmentVariable(UrlVariable);
        var key = parseResult.GetValue(apiKey) ?? Environment.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrWhiteSpace(baseUrl) || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            io.Error.WriteLine($"error: --url (or ${UrlVariable}) must be an absolute http(s) address. See --help.");
            return null;
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            io.Error.WriteLine($"error: --api-key (or ${KeyVariable}) is required. See --help.");
            return null;
        }

        return TechLinkApiClient.Create(uri, key);
    }

    /// <summary>Runs an API call, turning the usual failures into a message and exit code 1.</summary>
    public static async Task<int> RunAsync(CliIo io, CancellationToken cancellationToken, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (TechLinkApiException ex)
        {
            await io.Error.WriteLineAsync("error: " + ex.Message);
            return ExitCodes.Failure;
        }
        catch (HttpRequestException ex)
        {
            await io.Error.WriteLineAsync("error: cannot reach the server: " + ex.Message);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok;
        }
        catch (TaskCanceledException)
        {
            await io.Error.WriteLineAsync("error: the server did not answer in time.");
            return ExitCodes.Failure;
        }
    }
}
