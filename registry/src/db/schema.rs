//! The diesel schema, shared by SQLite and PostgreSQL (see `migrations/README.md` for why
//! every column uses a type both backends have).

// diesel's table! macro generates undocumented helper modules and items.
#![allow(missing_docs)]

diesel::table! {
    regions (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        level -> Text,
        parent -> Nullable<Text>,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        code -> Text,
        kind -> Text,
        name_zh -> Text,
        name_en -> Nullable<Text>,
        region -> Text,
        uscc -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        role -> Text,
        org_id -> Nullable<Text>,
        region -> Nullable<Text>,
        opt_in -> Bool,
        created_at -> Text,
        password_hash -> Nullable<Text>,
        password_changed_at -> Nullable<Text>,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> Text,
        user_id -> Text,
        csrf -> Text,
        created_at -> Text,
        expires_at -> Text,
        last_seen_at -> Text,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        user_id -> Text,
        created_by -> Nullable<Text>,
        created_at -> Text,
        expires_at -> Text,
        used_at -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_start -> Text,
        locked_until -> Nullable<Text>,
    }
}

diesel::table! {
    share_links (id) {
        id -> Text,
        token -> Text,
        credential_id -> Text,
        learner_id -> Text,
        created_at -> Text,
        expires_at -> Text,
        withdrawn_at -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Text,
        last_used_at -> Nullable<Text>,
        revoked -> Bool,
    }
}

diesel::table! {
    frameworks (id) {
        id -> Text,
        code -> Text,
        kind -> Text,
        name -> Text,
        version -> Text,
        uri -> Nullable<Text>,
    }
}

diesel::table! {
    skills (id) {
        id -> Text,
        uri -> Text,
        framework_id -> Text,
        label_zh -> Nullable<Text>,
        label_en -> Nullable<Text>,
        alt_labels -> Text,
        description -> Nullable<Text>,
        skill_type -> Text,
        reuse_level -> Nullable<Text>,
        status -> Text,
        search_text -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    skill_relations (from_skill, kind, to_skill) {
        from_skill -> Text,
        kind -> Text,
        to_skill -> Text,
    }
}

diesel::table! {
    occupations (id) {
        id -> Text,
        uri -> Text,
        code -> Nullable<Text>,
        label_zh -> Nullable<Text>,
        label_en -> Nullable<Text>,
        description -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
        valid_months -> Nullable<Integer>,
    }
}

diesel::table! {
    occupation_skills (occupation_id, skill_id) {
        occupation_id -> Text,
        skill_id -> Text,
        kind -> Text,
        min_level -> Integer,
    }
}

diesel::table! {
    courses (id) {
        id -> Text,
        code -> Text,
        version -> Text,
        provider_id -> Text,
        title_zh -> Text,
        title_en -> Nullable<Text>,
        description_zh -> Nullable<Text>,
        description_en -> Nullable<Text>,
        hours -> Double,
        credits -> Double,
        delivery_mode -> Text,
        status -> Text,
        created_at -> Text,
        updated_at -> Text,
        review_stage -> Nullable<Text>,
        valid_months -> Nullable<Integer>,
    }
}

diesel::table! {
    course_skills (course_id, skill_id) {
        course_id -> Text,
        skill_id -> Text,
        level -> Integer,
        weight -> Double,
    }
}

diesel::table! {
    course_prerequisites (course_id, prerequisite_code) {
        course_id -> Text,
        prerequisite_code -> Text,
    }
}

diesel::table! {
    course_reviews (id) {
        id -> Text,
        course_id -> Text,
        reviewer_id -> Text,
        from_status -> Text,
        to_status -> Text,
        comment -> Nullable<Text>,
        created_at -> Text,
        stage -> Nullable<Text>,
    }
}

diesel::table! {
    curricula (id) {
        id -> Text,
        code -> Text,
        provider_id -> Text,
        title_zh -> Text,
        title_en -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    curriculum_modules (curriculum_id, position) {
        curriculum_id -> Text,
        position -> Integer,
        course_code -> Text,
    }
}

diesel::table! {
    demand_lists (id) {
        id -> Text,
        enterprise_id -> Text,
        title -> Text,
        region -> Text,
        industry -> Nullable<Text>,
        deadline -> Nullable<Text>,
        status -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    demand_items (id) {
        id -> Text,
        list_id -> Text,
        ordinal -> Integer,
        position_title -> Text,
        occupation -> Nullable<Text>,
        headcount -> Integer,
        region -> Nullable<Text>,
        deadline -> Nullable<Text>,
    }
}

diesel::table! {
    demand_item_skills (item_id, skill_id) {
        item_id -> Text,
        skill_id -> Text,
        kind -> Text,
        min_level -> Integer,
    }
}

diesel::table! {
    certificate_counters (issuer_org_id, year) {
        issuer_org_id -> Text,
        year -> Integer,
        next_value -> BigInt,
    }
}

diesel::table! {
    data_repairs (name) {
        name -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    completions (id) {
        id -> Text,
        learner_id -> Text,
        course_id -> Text,
        result -> Text,
        completed_on -> Text,
        assessor -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    issuer_keys (id) {
        id -> Text,
        owner_kind -> Text,
        owner_id -> Nullable<Text>,
        did -> Text,
        fragment -> Text,
        public_multibase -> Text,
        secret_enc -> Binary,
        nonce -> Binary,
        created_at -> Text,
        retired -> Bool,
    }
}

diesel::table! {
    status_lists (id) {
        id -> Text,
        issuer_did -> Text,
        purpose -> Text,
        size -> Integer,
        used -> Integer,
        bits -> Binary,
        allocated -> Binary,
        credential -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    credentials (id) {
        id -> Text,
        completion_id -> Nullable<Text>,
        learner_id -> Text,
        issuer_org_id -> Text,
        kind -> Text,
        name -> Text,
        occupation_code -> Nullable<Text>,
        skill_level -> Nullable<Integer>,
        json -> Text,
        status_list_id -> Text,
        status_index -> BigInt,
        revoked -> Bool,
        suspended -> Bool,
        status_reason -> Nullable<Text>,
        status_changed_at -> Nullable<Text>,
        issued_at -> Text,
        certificate_number -> Nullable<Text>,
    }
}

diesel::table! {
    issuance_jobs (id) {
        id -> Text,
        org_id -> Text,
        course_id -> Text,
        requested_by -> Text,
        state -> Text,
        total -> Integer,
        done -> Integer,
        issued -> Integer,
        skipped -> Integer,
        error -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
        not_passed -> Integer,
        owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Text>,
    }
}

diesel::table! {
    recognition_rules (id) {
        id -> Text,
        code -> Text,
        version -> Text,
        owner_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        target -> Text,
        effect -> Text,
        credits -> Double,
        automatic -> Bool,
        status -> Text,
        review_stage -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    recognition_rule_sources (rule_id, position) {
        rule_id -> Text,
        position -> Integer,
        outcome -> Text,
        family -> Text,
        min_level -> Nullable<Integer>,
        within_years -> Nullable<Integer>,
    }
}

diesel::table! {
    recognition_rule_reviews (id) {
        id -> Text,
        rule_id -> Text,
        reviewer_id -> Text,
        from_status -> Text,
        to_status -> Text,
        comment -> Nullable<Text>,
        stage -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    trusted_issuers (id) {
        id -> Text,
        did -> Text,
        name -> Text,
        achievement_types -> Text,
        valid_from -> Text,
        valid_until -> Nullable<Text>,
        added_by -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    external_credentials (id) {
        id -> Text,
        learner_id -> Text,
        credential_id -> Text,
        issuer_did -> Text,
        issuer_name -> Nullable<Text>,
        achievement_id -> Text,
        achievement_name -> Text,
        achievement_type -> Nullable<Text>,
        level -> Nullable<Integer>,
        json -> Text,
        trusted -> Bool,
        state -> Text,
        checks -> Text,
        issued_on -> Text,
        valid_until -> Nullable<Text>,
        checked_at -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    recognition_applications (id) {
        id -> Text,
        learner_id -> Text,
        target -> Text,
        state -> Text,
        open_key -> Nullable<Text>,
        rule_id -> Text,
        owner_id -> Text,
        proposal -> Text,
        credential_id -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Text>,
        decision_comment -> Nullable<Text>,
        status_reason -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    recognition_evidence (application_id, position) {
        application_id -> Text,
        position -> Integer,
        source_kind -> Text,
        source_id -> Text,
        outcome -> Nullable<Text>,
        name -> Text,
        issued_on -> Nullable<Text>,
        checks -> Text,
    }
}

diesel::joinable!(organizations -> regions (region));
diesel::joinable!(users -> organizations (org_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(share_links -> credentials (credential_id));
diesel::joinable!(skills -> frameworks (framework_id));
diesel::joinable!(occupation_skills -> occupations (occupation_id));
diesel::joinable!(occupation_skills -> skills (skill_id));
diesel::joinable!(courses -> organizations (provider_id));
diesel::joinable!(course_skills -> courses (course_id));
diesel::joinable!(course_skills -> skills (skill_id));
diesel::joinable!(course_prerequisites -> courses (course_id));
diesel::joinable!(course_reviews -> courses (course_id));
diesel::joinable!(curricula -> organizations (provider_id));
diesel::joinable!(curriculum_modules -> curricula (curriculum_id));
diesel::joinable!(demand_lists -> organizations (enterprise_id));
diesel::joinable!(demand_items -> demand_lists (list_id));
diesel::joinable!(demand_item_skills -> demand_items (item_id));
diesel::joinable!(demand_item_skills -> skills (skill_id));
diesel::joinable!(completions -> courses (course_id));
diesel::joinable!(credentials -> organizations (issuer_org_id));
diesel::joinable!(issuance_jobs -> courses (course_id));
diesel::joinable!(recognition_rules -> organizations (owner_id));
diesel::joinable!(recognition_rule_sources -> recognition_rules (rule_id));
diesel::joinable!(recognition_rule_reviews -> recognition_rules (rule_id));
diesel::joinable!(recognition_applications -> recognition_rules (rule_id));
diesel::joinable!(recognition_evidence -> recognition_applications (application_id));

diesel::allow_tables_to_appear_in_same_query!(
    certificate_counters,
    data_repairs,
    regions,
    organizations,
    users,
    api_tokens,
    web_sessions,
    invitations,
    login_throttle,
    share_links,
    frameworks,
    skills,
    skill_relations,
    occupations,
    occupation_skills,
    courses,
    course_skills,
    course_prerequisites,
    course_reviews,
    curricula,
    curriculum_modules,
    demand_lists,
    demand_items,
    demand_item_skills,
    completions,
    issuer_keys,
    status_lists,
    credentials,
    issuance_jobs,
    recognition_rules,
    recognition_rule_sources,
    recognition_rule_reviews,
    trusted_issuers,
    external_credentials,
    recognition_applications,
    recognition_evidence,
);
