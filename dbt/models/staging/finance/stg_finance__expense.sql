{#- Sales expense lines (Concur / ERP expense reports): the current version of each line, deletes dropped. -#}
with source as (
    {{ current_versions(source('finance', 'expense'), ['expense_id'], to_utc_timestamp('updated_at')) }}
),

renamed as (
    select
        expense_id,
        employee_id,
        cast(expense_date as date) as expense_date,
        cast(date_trunc('month', cast(expense_date as date)) as date) as expense_month,
        {#- The expense type as delivered, onto the four categories of the 8 % policy (docs/incentives.md): English
            or the usual Chinese ERP labels; anything else is other. -#}
        case
            when lower(category) in ('travel', '差旅费', '差旅', '交通费', '住宿费') then 'travel'
            when lower(category) in ('marketing', '市场活动费', '市场费用', '市场推广费', '会议费') then 'marketing'
            when lower(category) in ('entertainment', '业务招待费', '招待费') then 'entertainment'
            else 'other'
        end as category,
        category as source_category,
        cast(amount as decimal(18, 2)) as amount,
        currency,
        coalesce({{ to_bool('is_deleted') }}, false) as is_deleted,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }},
        _version_rank as version_rank
    from source
)

select
    expense_id, employee_id, expense_date, expense_month, category, source_category, amount, currency, updated_at,
    source_file, source_sha256, source_row
from renamed
where version_rank = 1 and not is_deleted
