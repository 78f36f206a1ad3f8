namespace TechLink.Server.Tests.Hostile;

/// <summary>
/// A valid body for each request schema of the OpenAPI document, so that a fuzz case can break exactly one thing.
/// A schema without a sample throws: a new kind of request body must get one before the fuzz pass runs green.
/// </summary>
public static class SampleBodies
{
    public static string For(string schema, SeededCompany company) => schema switch
    {
        "CompanyRequest" => """{"name":"Fuzz company"}""",
        "ApiKeyRequest" => """{"name":"fuzz key"}""",
        "CreateUserRequest" => $$"""{"username":"fuzz{{Guid.NewGuid():N}}","first_name":"Fuzz","last_name":"User","email":"fuzz@example.com","phone":"555"}""",
        "UpdateUserRequest" => """{"first_name":"Fuzz","last_name":"Again","is_active":true}""",
        "SiteRequest" => """{"name":"Fuzz site","city":"Austin","state":"TX","timezone":"America/Chicago"}""",
        "CreateWorkOrderRequest" => $$"""{"site_id":"{{company.Ids["site_id"]}}","title":"Fuzz work","priority":"low"}""",
        "UpdateWorkOrderRequest" => """{"title":"Fuzz work 2","priority":"normal"}""",
        "StatusRequest" => """{"status_code":"60"}""",
        "ScheduleRequest" => """{"start":"2026-12-01 09:00:00"}""",
        "TechRequest" => """{"tech_name":"Fuzz Tech","tech_phone":"555"}""",
        "CheckOutRequest" => """{"disposition":"complete"}""",
        "NoteRequest" => """{"content":"fuzz note"}""",
        "QuestionRequest" => """{"question":"Fuzz?"}""",
        "AnswerRequest" => """{"answer":"Yes"}""",
        "TaskRequest" => """{"title":"fuzz task","description":"d","due":"2026-12-01T17:00:00Z","status":"open"}""",
        // A URL of its own each time: an identical registration (same type and URL) is refused with 409.
        "WebhookRequest" => $$"""{"type":"(any webhooks)","url":"http://127.0.0.1:9/fuzz-{{Guid.NewGuid():N}}","token":"fuzz-token","enabled":false}""",
        "TestRequest" => """{"event":"work order created"}""",
        "ReplayRequest" => """{"since":"2026-01-01T00:00:00Z","only_failed":true}""",
        "RedeliverRequest" => """{"snapshot":"original"}""",
        _ => throw new InvalidOperationException($"No sample body for request schema '{schema}': add one to SampleBodies."),
    };
}
