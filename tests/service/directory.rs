//! Person lookups read a person, their roles, identities and organisation in one joined
//! query: a person with several roles and several identities must still come back once,
//! each role and identity once, in order.

use sigap::domain::role::Role;
use sigap::domain::ticket::Channel;
use sigap::store::directory::{self, NewPerson};
use sigap::store::people::{self, Orgs};

use crate::helpers::{monday_nine, spawn};

fn new_person(name: &str, org: Option<&str>, roles: &[Role], identities: &[(Channel, &str)]) -> NewPerson {
    NewPerson {
        name: name.into(),
        org_code: org.map(Into::into),
        locale: "id".into(),
        roles: roles.to_vec(),
        identities: identities.iter().map(|(c, a)| (*c, (*a).to_owned())).collect(),
    }
}

#[tokio::test]
async fn a_person_with_several_roles_and_identities_is_read_whole_and_once() {
    let t = spawn("kudus").await;
    let both = new_person(
        "Wulan Kasi",
        Some("DINKES"),
        &[Role::Technician, Role::Kasi, Role::Helpdesk],
        &[(Channel::Whatsapp, "6281299990001"), (Channel::Telegram, "tg-wulan")],
    );
    let wulan = directory::add_person(&t.db, &both, monday_nine()).await.unwrap();
    let lone = directory::add_person(&t.db, &new_person("Tono Desa", None, &[], &[]), monday_nine()).await.unwrap();

    let mut sorted_roles = vec![Role::Technician, Role::Kasi, Role::Helpdesk];
    sorted_roles.sort_by_key(|r| r.as_str());
    assert_eq!(wulan.roles, sorted_roles);
    assert_eq!(
        wulan.identities,
        vec![(Channel::Whatsapp, "6281299990001".to_owned()), (Channel::Telegram, "tg-wulan".to_owned())]
    );
    assert_eq!(wulan.org_id, Some(t.org_id));
    assert_eq!(wulan.org_code.as_deref(), Some("DINKES"));
    assert_eq!((lone.roles.len(), lone.identities.len(), lone.org_code.clone()), (0, 0, None));

    let mut orgs = Orgs::default();
    let missing = wulan.id + lone.id + 1000;
    let read = people::records(&t.db, &[lone.id, missing, wulan.id, wulan.id], &mut orgs).await.unwrap();
    let mut expected = vec![wulan.clone(), lone.clone()];
    expected.sort_by_key(|p| p.id);
    assert_eq!(read, expected, "each person once, by id, the unknown id left out");
    assert_eq!(orgs.get(t.org_id).map(|o| o.code.as_str()), Some("DINKES"), "the person's organisation is kept");

    for (channel, address) in [(Channel::Telegram, "tg-wulan"), (Channel::Whatsapp, "6281299990001")] {
        let found = directory::person_by_identity(&t.db, channel, address).await.unwrap();
        assert_eq!(found.as_ref(), Some(&wulan), "{channel:?} {address}");
    }
    assert_eq!(directory::person_by_identity(&t.db, Channel::Telegram, "tg-nobody").await.unwrap(), None);

    let kasi = people::holders_of_any(&t.db, &[Role::Kasi], &mut Orgs::default()).await.unwrap();
    let kasi_ids: Vec<i64> = kasi.iter().map(|p| p.id).collect();
    assert_eq!(kasi_ids, vec![t.people.kasi.id, t.people.kasi_2.id, wulan.id]);
    assert_eq!(kasi.last(), Some(&wulan));

    // Holders of the roles together with named people: everyone once.
    let mixed =
        people::records_and_holders(&t.db, &[wulan.id, t.people.reporter.id], &[Role::Kasi], &mut Orgs::default())
            .await
            .unwrap();
    let mixed_ids: Vec<i64> = mixed.iter().map(|p| p.id).collect();
    assert_eq!(mixed_ids, vec![t.people.reporter.id, t.people.kasi.id, t.people.kasi_2.id, wulan.id]);

    directory::set_active(&t.db, wulan.id, false).await.unwrap();
    let kasi = people::holders_of_any(&t.db, &[Role::Kasi], &mut Orgs::default()).await.unwrap();
    assert!(kasi.iter().all(|p| p.id != wulan.id), "an inactive person holds no role");
    let staff = directory::staff(&t.db).await.unwrap();
    let listed = staff.iter().find(|p| p.id == wulan.id).expect("staff lists inactive people too");
    assert_eq!((listed.active, listed.roles.len(), listed.identities.len()), (false, 3, 2));
}
