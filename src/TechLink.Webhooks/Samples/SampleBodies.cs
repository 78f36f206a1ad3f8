namespace TechLink.Webhooks;

/// <summary>The pieces the event records' samples are made of, indented as the server's pretty-printed bodies.</summary>
internal static class SampleBodies
{
    /// <summary>The work order every work order sample is about.</summary>
    internal const string WorkOrderId = "123456";

    internal const string User = """
        {
            "user_id": "4821",
            "company_id": "1007",
            "username": "jdoe",
            "first_name": "Jane",
            "last_name": "Doe",
            "email": "jane.doe@example.com",
            "phone": "503-555-0142",
            "is_active": true,
            "created_at": "2026-11-02T16:20:00Z",
            "updated_at": "2026-11-28T12:00:00Z"
        }
        """;

    internal const string Site = """
        {
            "site_id": "3310",
            "company_id": "1007",
            "name": "Portland Store #12",
            "site_number": "PDX-012",
            "address1": "1200 NW Everett St",
            "address2": "Suite 4",
            "city": "Portland",
            "state": "OR",
            "postal_code": "97209",
            "country": "US",
            "phone": "503-555-0100",
            "contact_name": "Sam Rivera",
            "timezone": "America/Los_Angeles",
            "created_at": "2026-10-14T09:00:00Z",
            "updated_at": "2026-11-28T12:00:00Z"
        }
        """;

    internal const string WorkOrder = """
        {
            "workorder_id": "123456",
            "company_id": "1007",
            "site_id": "3310",
            "client_reference": "PO-88412",
            "title": "Replace POS terminal cabling",
            "description": "Re-run Cat6 to registers 1-4 and certify each drop.",
            "priority": "high",
            "status_code": "60",
            "status": "Scheduled",
            "scheduled_start": "2026-12-03 09:00:00",
            "planned_tech_name": "John Smith",
            "planned_tech_phone": "123-4567-8900",
            "tech_name": null,
            "tech_phone": null,
            "check_in_time": null,
            "check_out_time": null,
            "check_out_disposition": null,
            "created_at": "2026-11-20T17:45:00Z",
            "updated_at": "2026-11-28T12:00:00Z"
        }
        """;

    /// <summary>The work order as it was created: no status beyond Created, no schedule, no technician yet.</summary>
    internal static readonly string NewWorkOrder = WorkOrder
        .Replace("\"status_code\": \"60\"", "\"status_code\": \"10\"", StringComparison.Ordinal)
        .Replace("\"status\": \"Scheduled\"", "\"status\": \"Created\"", StringComparison.Ordinal)
        .Replace("\"scheduled_start\": \"2026-12-03 09:00:00\"", "\"scheduled_start\": null", StringComparison.Ordinal)
        .Replace("\"planned_tech_name\": \"John Smith\"", "\"planned_tech_name\": \"\"", StringComparison.Ordinal)
        .Replace("\"planned_tech_phone\": \"123-4567-8900\"", "\"planned_tech_phone\": \"\"", StringComparison.Ordinal);

    /// <summary>A body whose <c>data</c> is a resource; <paramref name="workOrderId"/> null for events about sites and users.</summary>
    internal static string Data(string eventType, string? workOrderId, string data)
    {
        var indented = data.Trim().Replace("\n", "\n    ", StringComparison.Ordinal);
        var workOrder = workOrderId is null ? "" : $"\n    \"workorder_id\": \"{workOrderId}\",";
        return $"{{\n    \"event\": \"{eventType}\",{workOrder}\n    \"data\": {indented}\n}}";
    }

    /// <summary>A work order event with fields of its own (<paramref name="fields"/>: one <c>"name": value</c> a line, or empty).</summary>
    internal static string Fields(string eventType, string fields = "")
    {
        var own = fields.Length == 0 ? "" : ",\n    " + fields.Trim().Replace("\n", "\n    ", StringComparison.Ordinal);
        return $"{{\n    \"event\": \"{eventType}\",\n    \"workorder_id\": \"{WorkOrderId}\"{own}\n}}";
    }
}
