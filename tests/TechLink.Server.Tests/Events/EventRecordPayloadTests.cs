using System.Text.Json;
using TechLink.Server.Infrastructure;
using TechLink.Server.Webhooks;
using Sdk = TechLink.Webhooks;

namespace TechLink.Server.Tests.Events;

/// <summary>
/// The server raises the SDK's event records; the bodies must stay byte for byte what the server's own payload records
/// wrote before (field order: event, workorder_id, then the spec's fields; nothing else).
/// </summary>
public sealed class EventRecordPayloadTests
{
    public static TheoryData<Sdk.WorkOrderEvent, string> Records => new()
    {
        {
            new Sdk.WorkOrderStatusChanged { WorkOrderId = "7", OldStatusCode = "60", OldStatus = "Scheduled", NewStatusCode = "70", NewStatus = "Tech On Site" },
            """{"event":"work order status change","workorder_id":"7","old_status_code":"60","old_status":"Scheduled","new_status_code":"70","new_status":"Tech On Site"}"""
        },
        { new Sdk.WorkOrderScheduled { WorkOrderId = "7", Start = "2026-12-01 09:00:00" }, """{"event":"work order scheduled","workorder_id":"7","start":"2026-12-01 09:00:00"}""" },
        {
            new Sdk.WorkOrderAssigned { WorkOrderId = "7", PlannedTechName = "", PlannedTechPhone = "" },
            """{"event":"work order assigned","workorder_id":"7","planned_tech_name":"","planned_tech_phone":""}"""
        },
        {
            new Sdk.WorkOrderTechOnSite { WorkOrderId = "7", TechName = "John \"JJ\" Smith", TechPhone = "123-4567-8900", Time = "2026-11-01 01:30:00 PDT" },
            """{"event":"work order tech on-site","workorder_id":"7","tech_name":"John \u0022JJ\u0022 Smith","tech_phone":"123-4567-8900","time":"2026-11-01 01:30:00 PDT"}"""
        },
        {
            new Sdk.WorkOrderTechOffSite { WorkOrderId = "7", Disposition = "return", Time = "2026-11-01 01:30:00 PST" },
            """{"event":"work order tech off-site","workorder_id":"7","disposition":"return","time":"2026-11-01 01:30:00 PST"}"""
        },
        { new Sdk.WorkOrderClosed { WorkOrderId = "7" }, """{"event":"work order closed","workorder_id":"7"}""" },
        { new Sdk.WorkOrderCancelled { WorkOrderId = "7" }, """{"event":"work order cancelled","workorder_id":"7"}""" },
        { new Sdk.WorkOrderTaskDeleted { WorkOrderId = "7", TaskId = "12" }, """{"event":"work order task deleted","workorder_id":"7","task_id":"12"}""" },
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void FieldEvent_SerializedAsTheOutboxDoes_IsTheBodyOfBefore(Sdk.WorkOrderEvent record, string expected)
    {
        Assert.Equal(expected, JsonSerializer.Serialize(record, record.GetType(), ApiJson.Options));
    }

    [Fact]
    public void DataEvent_AboutAWorkOrder_HasItsIdBeforeTheData()
    {
        var payload = EventPayload.For(Sdk.TechLinkEventTypes.WorkOrderNoteAdded, EventSubject.WorkOrder(7), new { note_id = "3" });

        Assert.Equal("""{"event":"work order note added","workorder_id":"7","data":{"note_id":"3"}}""", JsonSerializer.Serialize(payload, payload.GetType(), ApiJson.Options));
    }

    [Fact]
    public void DataEvent_AboutASite_HasNoWorkOrderId()
    {
        var payload = EventPayload.For(Sdk.TechLinkEventTypes.SiteUpdated, EventSubject.Site(3), new { site_id = "3" });

        Assert.Equal("""{"event":"site updated","data":{"site_id":"3"}}""", JsonSerializer.Serialize(payload, payload.GetType(), ApiJson.Options));
    }

    [Fact]
    public void Catalog_IsTheRecordsInSpecOrder_EachWithItsSample()
    {
        Assert.Equal(Sdk.TechLinkEventTypes.All, EventCatalog.All.Select(t => t.Type));
        Assert.All(EventCatalog.All, t => Assert.Equal(t.Type, EventSamples.For(t.Type)!.Value.GetProperty("event").GetString()));
    }
}
