package api

import (
	"encoding/json"
	"testing"
)

// TestMoreTypesWireFormat pins the JSON key order and omitempty behaviour of
// the wire types in types_more.go against the shapes in heketi-facts 5.5, 5.7
// and 12.1.
func TestMoreTypesWireFormat(t *testing.T) {
	bv := BlockVolumeInfoResponse{BlockVolumeInfo{
		BlockVolumeCreateRequest: BlockVolumeCreateRequest{Size: 1, Name: "blockvol_a", Hacount: 3},
		ID:                       "a",
		BlockVolume:              BlockVolumeTarget{Hosts: []string{"10.0.0.4"}, Iqn: "iqn.x", Username: "u", Password: "p"},
		Cluster:                  "c",
		BlockHostingVolume:       "v",
		UsableSize:               1,
	}}
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"block volume info", bv, `{"size":1,"name":"blockvol_a","hacount":3,"id":"a","blockvolume":{"hosts":["10.0.0.4"],"iqn":"iqn.x","lun":0,"username":"u","password":"p"},"cluster":"c","blockhostingvolume":"v","usablesize":1}`},
		{"block volume create minimal", BlockVolumeCreateRequest{Size: 2}, `{"size":2,"name":""}`},
		{"block volume create full", BlockVolumeCreateRequest{Size: 2, Clusters: []string{"c"}, Name: "n", Hacount: 2, Auth: true}, `{"size":2,"clusters":["c"],"name":"n","hacount":2,"auth":true}`},
		{"block volume list", BlockVolumeListResponse{BlockVolumes: []string{}}, `{"blockvolumes":[]}`},
		{"block volume expand", BlockVolumeExpandRequest{NewSize: 5}, `{"new_size":5}`},
		{"operations", OperationsInfo{Total: 1, InFlight: 1, New: 1}, `{"total":1,"in_flight":1,"stale":0,"failed":0,"new":1}`},
		{"pending list", PendingOperationListResponse{PendingOperations: []PendingOperationInfo{{ID: "x", TypeName: "create-volume", SubStatus: "in-flight"}}},
			`{"pendingoperations":[{"id":"x","type_name":"create-volume","status":"","sub_status":"in-flight"}]}`},
		{"pending details", PendingOperationDetails{PendingOperationInfo{ID: "x", TypeName: "create-volume"}, []PendingChangeInfo{{ID: "b", Description: "Add brick"}}},
			`{"id":"x","type_name":"create-volume","status":"","sub_status":"","changes":[{"id":"b","description":"Add brick"}]}`},
		{"cleanup all", PendingOperationsCleanRequest{}, `{}`},
		{"cleanup some", PendingOperationsCleanRequest{Operations: []string{"x"}}, `{"operations":["x"]}`},
		{"log level", LogLevelInfo{LogLevel: map[string]string{"glusterfs": "debug"}}, `{"loglevel":{"glusterfs":"debug"}}`},
		{"admin", AdminStatus{State: AdminStateReadOnly}, `{"state":"read-only"}`},
		{"db check bucket", DBBucketCheck{Total: 2, OK: 2}, `{"total":2,"pending":0,"ok":2,"notok":0,"inconsistencies":null}`},
		{"topology", TopologyInfoResponse{ClusterList: []TopologyCluster{{Volumes: []VolumeInfoResponse{}, Nodes: []NodeInfoResponse{}, ID: "c", ClusterFlags: ClusterFlags{Block: true, File: true}}}},
			`{"clusters":[{"volumes":[],"nodes":[],"id":"c","block":true,"file":true}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("expected %s, got %s", tc.want, got)
			}
		})
	}
}

// TestDBCheckKeys checks the bucket key order of GET /db/check.
func TestDBCheckKeys(t *testing.T) {
	got, err := json.Marshal(DBCheckResponse{TotalInconsistencies: 3})
	if err != nil {
		t.Fatal(err)
	}
	b := `{"total":0,"pending":0,"ok":0,"notok":0,"inconsistencies":null}`
	want := `{"clusters":` + b + `,"volumes":` + b + `,"bricks":` + b + `,"nodes":` + b + `,"devices":` + b +
		`,"blockvolumes":` + b + `,"dbattributes":` + b + `,"pendingoperations":` + b + `,"totalinconsistencies":3}`
	if string(got) != want {
		t.Fatalf("expected %s, got %s", want, got)
	}
}
